import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { isChurnError } from "../../../core/errors.js";
import {
  compileConfluentSchemaRegistryOptions,
  createConfluentSchemaRegistry,
  LOCAL_REGISTRY_URL,
} from "../../../schemas/confluent/index.js";

/** A scripted registry: each request is logged and answered by `handler`. */
interface Fake {
  url: string;
  requests: Array<{ method: string; url: string; body: string; headers: IncomingMessage["headers"] }>;
}

type Handler = (method: string, url: string, body: string) => [number, unknown];

const servers: Server[] = [];

async function fake(handler: Handler, prefix = "/apis/ccompat/v7"): Promise<Fake> {
  const requests: Fake["requests"] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      const url = (req.url ?? "").slice(prefix.length);
      requests.push({ method: req.method ?? "", url, body, headers: req.headers });
      const [status, reply] = handler(req.method ?? "", url, body);
      res.writeHead(status, { "content-type": "application/vnd.schemaregistry.v1+json" });
      res.end(typeof reply === "string" ? reply : JSON.stringify(reply));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${prefix}`, requests };
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; retryable: boolean; message: string }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isChurnError(error)) throw new Error(`expected a ChurnError, got ${String(error)}`);
  return error;
}

const schema = '{"type":"record","name":"C","fields":[{"name":"id","type":"string"}]}';

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe("compileConfluentSchemaRegistryOptions", () => {
  it("defaults to the native stack's Apicurio ccompat URL and strips trailing slashes", () => {
    expect(compileConfluentSchemaRegistryOptions()).toEqual({
      url: LOCAL_REGISTRY_URL,
      timeoutMs: 5000,
      newSubjectCompatibility: "BACKWARD",
    });
    expect(compileConfluentSchemaRegistryOptions({ url: "http://r:8081/" }).url).toBe("http://r:8081");
    expect(Object.isFrozen(compileConfluentSchemaRegistryOptions())).toBe(true);
  });

  it("names the key and value of bad options and never echoes a password", () => {
    const bad = (raw: unknown) => {
      try {
        compileConfluentSchemaRegistryOptions(raw as never);
      } catch (error) {
        expect(isChurnError(error, "CHURN_CONFIG_INVALID")).toBe(true);
        return (error as Error).message;
      }
      throw new Error("expected CHURN_CONFIG_INVALID");
    };
    expect(bad({ url: "ftp://x" })).toMatch(/schemaRegistry\.confluent\.url="ftp:\/\/x"/);
    expect(bad({ newSubjectCompatibility: "SIDEWAYS" })).toMatch(/newSubjectCompatibility.*BACKWARD/);
    expect(bad({ auth: { username: "", password: "s3cret" } })).not.toMatch(/s3cret/);
    expect(bad({ auth: { username: "u", password: 42 } })).toMatch(/password=<hidden>/);
  });
});

describe("createConfluentSchemaRegistry against a scripted registry", () => {
  it("gives a new subject the BACKWARD level after its first version, once per subject", async () => {
    const server = await fake((method) => {
      if (method === "GET") return [404, { error_code: 40401, message: "Subject not found" }];
      if (method === "POST") return [200, { id: 7 }];
      return [200, { compatibility: "BACKWARD" }];
    });
    const registry = createConfluentSchemaRegistry({ url: server.url });
    expect(await registry.register("new/value", schema)).toBe(7);
    expect(await registry.register("new/value", schema)).toBe(7);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /config/new%2Fvalue",
      "GET /subjects/new%2Fvalue/versions/latest",
      "POST /subjects/new%2Fvalue/versions",
      "PUT /config/new%2Fvalue",
      "POST /subjects/new%2Fvalue/versions",
    ]);
    expect(JSON.parse(server.requests[2]!.body)).toEqual({ schema });
    expect(JSON.parse(server.requests[3]!.body)).toEqual({ compatibility: "BACKWARD" });
    expect(server.requests[2]!.headers["content-type"]).toBe("application/vnd.schemaregistry.v1+json");
  });

  it("keeps a level set before the first version, and touches no level with `inherit`", async () => {
    const preset = await fake((method) =>
      method === "GET" ? [200, { compatibilityLevel: "NONE" }] : [200, { id: 3 }],
    );
    await createConfluentSchemaRegistry({ url: preset.url }).register("s", schema);
    expect(preset.requests.map((r) => r.method)).toEqual(["GET", "POST"]);

    const inherit = await fake(() => [200, { id: 3 }]);
    await createConfluentSchemaRegistry({ url: inherit.url, newSubjectCompatibility: "inherit" }).register(
      "s",
      schema,
    );
    expect(inherit.requests.map((r) => r.method)).toEqual(["POST"]);
  });

  it("maps 409, 404, 422 and 401 to churnstream codes, and 5xx to a retryable UNAVAILABLE", async () => {
    let answer: [number, unknown] = [
      409,
      { error_code: 409, message: "Schema being registered is incompatible" },
    ];
    const server = await fake(() => answer);
    const registry = createConfluentSchemaRegistry({ url: server.url, newSubjectCompatibility: "inherit" });
    expect(await failure(registry.register("s", schema))).toMatchObject({
      code: "CHURN_SCHEMA_INCOMPATIBLE",
    });
    answer = [404, { error_code: 40403, message: "Schema not found" }];
    expect(await failure(registry.getById(99))).toMatchObject({
      code: "CHURN_SCHEMA_NOT_FOUND",
      retryable: false,
    });
    answer = [404, { error_code: 40401, message: "Subject not found" }];
    expect(await failure(registry.latest("s"))).toMatchObject({ code: "CHURN_SCHEMA_NOT_FOUND" });
    expect(await registry.isCompatible("s", schema)).toBe(true);
    answer = [422, { error_code: 42201, message: "Invalid schema" }];
    expect(await failure(registry.register("s", schema))).toMatchObject({ code: "CHURN_SCHEMA_INVALID" });
    answer = [401, { error_code: 401, message: "Unauthorized" }];
    const denied = await failure(registry.latest("s"));
    expect(denied).toMatchObject({ code: "CHURN_SCHEMA_REGISTRY_FAILED" });
    expect(denied.message).toMatch(/auth/);
    answer = [503, { error_code: 50302, message: "Error while forwarding the request to the leader" }];
    const before = server.requests.length;
    const unavailable = await failure(registry.getById(1));
    expect(unavailable).toMatchObject({ code: "CHURN_SCHEMA_REGISTRY_UNAVAILABLE", retryable: true });
    expect(unavailable.message).toMatch(/503.*forwarding/);
    // The library's retry middleware is off: callers decide about retries.
    expect(server.requests.length - before).toBe(1);
    answer = [200, { unexpected: true }];
    expect(await failure(registry.getById(1))).toMatchObject({ code: "CHURN_SCHEMA_REGISTRY_FAILED" });
  });

  it("checks against the latest version unless the subject's level is transitive", async () => {
    let level = "BACKWARD";
    const server = await fake((method) =>
      method === "GET" ? [200, { compatibilityLevel: level }] : [200, { is_compatible: false }],
    );
    const registry = createConfluentSchemaRegistry({ url: server.url });
    expect(await registry.isCompatible("s", schema)).toBe(false);
    level = "FULL_TRANSITIVE";
    await registry.isCompatible("s", schema);
    level = "NONE";
    expect(await registry.isCompatible("s", schema)).toBe(true);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /config/s?defaultToGlobal=true",
      "POST /compatibility/subjects/s/versions/latest",
      "GET /config/s?defaultToGlobal=true",
      "POST /compatibility/subjects/s/versions",
      "GET /config/s?defaultToGlobal=true",
    ]);
  });

  it("refuses invalid schemas before any request", async () => {
    const server = await fake(() => [200, { id: 1 }]);
    const registry = createConfluentSchemaRegistry({ url: server.url });
    expect(await failure(registry.register("s", "{"))).toMatchObject({ code: "CHURN_SCHEMA_INVALID" });
    expect(server.requests).toEqual([]);
  });

  it("caches schema text by id, sends basic auth, and records request metrics", async () => {
    const server = await fake(() => [200, { schema }]);
    const metrics = new Registry();
    const registry = createConfluentSchemaRegistry(
      { url: server.url, auth: { username: "key", password: "secret" } },
      { registry: metrics, labels: { app: "test" } },
    );
    expect(await registry.getById(5)).toBe(schema);
    expect(await registry.getById(5)).toBe(schema);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from("key:secret").toString("base64")}`,
    );
    const histogram = await metrics
      .getSingleMetric("churnstream_schemas_registry_request_duration_seconds")!
      .get();
    const count = histogram.values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_count"));
    expect(count).toMatchObject({
      value: 2,
      labels: { op: "getById", outcome: "ok", app: "test", backend: "confluent" },
    });
  });

  it("reports a refused connection and a timeout as retryable UNAVAILABLE, ping included", async () => {
    const closed = await fake(() => [200, {}]);
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    const refused = await failure(createConfluentSchemaRegistry({ url: closed.url }).ping());
    expect(refused).toMatchObject({ code: "CHURN_SCHEMA_REGISTRY_UNAVAILABLE", retryable: true });
    expect(refused.message).toMatch(/ECONNREFUSED.*churnstream stack up/);

    const slowServer = createServer(() => undefined); // never answers
    servers.push(slowServer);
    await new Promise<void>((resolve) => slowServer.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(slowServer.address() as AddressInfo).port}`;
    const started = Date.now();
    const slow = await failure(createConfluentSchemaRegistry({ url, timeoutMs: 200 }).getById(1));
    expect(slow).toMatchObject({ code: "CHURN_SCHEMA_REGISTRY_UNAVAILABLE", retryable: true });
    expect(slow.message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(1000);
    slowServer.closeAllConnections();

    // Headers sent, body never finished: the deadline still holds.
    const stalled = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"schema":');
    });
    servers.push(stalled);
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    const stalledUrl = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
    const cut = await failure(createConfluentSchemaRegistry({ url: stalledUrl, timeoutMs: 200 }).getById(1));
    expect(cut).toMatchObject({ code: "CHURN_SCHEMA_REGISTRY_UNAVAILABLE", retryable: true });
    stalled.closeAllConnections();
  });

  it("reports a URL that is not a registry API on ping", async () => {
    const server = await fake(() => [404, "<html>Not Found</html>"]);
    const error = await failure(createConfluentSchemaRegistry({ url: server.url }).ping());
    expect(error.code).toBe("CHURN_SCHEMA_REGISTRY_UNAVAILABLE");
    expect(error.message).toMatch(/ccompat/);
  });
});
