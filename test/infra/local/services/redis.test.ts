import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseReply, probe, redisPaths, renderRedisConfig } from "../../../../infra/local/services/redis.js";

describe("renderRedisConfig", () => {
  it("binds localhost, runs in the foreground and keeps its files in the state dir", () => {
    const conf = renderRedisConfig(redisPaths("/state"), 16379);
    expect(conf).toMatch(/^bind 127\.0\.0\.1$/m);
    expect(conf).toMatch(/^port 16379$/m);
    expect(conf).toMatch(/^daemonize no$/m);
    expect(conf).toContain('pidfile "/state/redis/redis.pid"');
    expect(conf).toContain('dir "/state/redis/data"');
    expect(conf).toMatch(/^appendonly yes$/m);
  });
});

describe("parseReply", () => {
  it("reads simple, error and bulk replies and waits for incomplete ones", () => {
    expect(parseReply(Buffer.from("+PONG\r\n"))).toBe("PONG");
    expect(parseReply(Buffer.from("-NOAUTH Authentication required.\r\n"))).toBe(
      "NOAUTH Authentication required.",
    );
    expect(parseReply(Buffer.from("$5\r\nhello\r\n"))).toBe("hello");
    expect(parseReply(Buffer.from("$5\r\nhel"))).toBeUndefined();
    expect(parseReply(Buffer.from("+PO"))).toBeUndefined();
  });
});

describe("probe", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  async function fakeRedis(answer: (command: string) => string): Promise<number> {
    server = createServer((socket) => {
      socket.on("data", (data) => socket.write(answer(data.toString())));
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  it("is healthy when PING answers PONG and reports the version", async () => {
    const info = "# Server\r\nredis_version:7.0.15\r\n";
    const port = await fakeRedis((cmd) =>
      cmd.includes("PING") ? "+PONG\r\n" : `$${info.length}\r\n${info}\r\n`,
    );
    expect(await probe(port, 1000)).toEqual({ healthy: true, detail: "Redis 7.0.15" });
  });

  it("is unhealthy when something else answers", async () => {
    const port = await fakeRedis(() => "-NOAUTH Authentication required.\r\n");
    const result = await probe(port, 1000);
    expect(result.healthy).toBe(false);
    expect(result.detail).toContain("NOAUTH");
  });

  it("is unhealthy when nothing listens", async () => {
    const port = await fakeRedis(() => "");
    server!.close();
    await new Promise((r) => setTimeout(r, 50));
    expect((await probe(port, 500)).healthy).toBe(false);
  });
});
