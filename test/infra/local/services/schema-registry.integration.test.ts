import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileStackOptions } from "../../../../infra/local/options.js";
import { createSchemaRegistryService } from "../../../../infra/local/services/schema-registry.js";
import type { StackContext } from "../../../../infra/local/types.js";
import { createConfluentSchemaRegistry } from "../../../../schemas/confluent/index.js";

/**
 * Runs a second, private Apicurio (own state dir, free port) next to the stack's, to check
 * what the stack relies on: start, health, stop, and ids that survive a restart.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("schema-registry local service (Apicurio)", () => {
  let stateDir: string;
  let service: ReturnType<typeof createSchemaRegistryService>;
  const lines: string[] = [];
  let ctx: StackContext;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "churnstream-sr-"));
    const options = compileStackOptions({ stateDir, schemaRegistry: { port: await freePort() } });
    service = createSchemaRegistryService(options);
    ctx = { stateDir, projectRoot: options.projectRoot, log: (line) => lines.push(line) };
  });

  afterAll(async () => {
    await service.stop(ctx).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("starts, serves the Confluent API, keeps ids across a restart and stops", async () => {
    expect(await service.health(ctx)).toMatchObject({ healthy: false, state: "stopped" });
    expect(await service.start(ctx)).toBe("started");
    expect(await service.start(ctx)).toBe("already-running");
    const health = await service.health(ctx);
    expect(health).toMatchObject({ healthy: true, state: "running" });
    expect(health.detail).toMatch(/Apicurio Registry 2\.6/);

    const subject = "restart-value";
    const schema = '{"type":"record","name":"Kept","fields":[{"name":"customer_id","type":"string"}]}';
    const before = createConfluentSchemaRegistry({ url: service.address });
    const id = await before.register(subject, schema);
    await before.close();

    expect(await service.stop(ctx)).toBe("stopped");
    expect(await service.health(ctx)).toMatchObject({ healthy: false, state: "stopped" });
    expect(await service.stop(ctx)).toBe("not-running");
    expect(await service.start(ctx)).toBe("started");

    const after = createConfluentSchemaRegistry({ url: service.address });
    try {
      expect(JSON.parse(await after.getById(id))).toEqual(JSON.parse(schema));
      expect(await after.latest(subject)).toMatchObject({ id, version: 1 });
      // The level given at creation survived too: a type change is still refused.
      const retyped = '{"type":"record","name":"Kept","fields":[{"name":"customer_id","type":"int"}]}';
      expect(await after.isCompatible(subject, retyped)).toBe(false);
      // A new schema gets a new id, not one reused from before the restart.
      const other = await after.register("other-value", '{"type":"record","name":"Other","fields":[]}');
      expect(other).not.toBe(id);
    } finally {
      await after.close();
    }
  }, 240_000);
});
