/**
 * A private ClickHouse server for the outage test, launched with the local stack's own launcher
 * (infra/local) on free ports and a temporary state directory, so stopping it leaves the shared
 * server that other tests use alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  compileStackOptions,
  createClickHouseService,
  type StackContext,
} from "../../../infra/local/index.js";

export interface PrivateClickHouse {
  readonly url: string;
  /** Starts the server (again, on the same data); resolves once it answers. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** Stops it and deletes its data. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPrivateClickHouse(): Promise<PrivateClickHouse> {
  const stateDir = mkdtempSync(join(tmpdir(), "churnstream-ch-"));
  const options = compileStackOptions({
    stateDir,
    startTimeoutMs: 60_000,
    stopTimeoutMs: 15_000,
    clickhouse: { httpPort: await freePort(), tcpPort: await freePort() },
  });
  const service = createClickHouseService(options);
  const ctx: StackContext = { stateDir, projectRoot: options.projectRoot, log: () => {} };
  const handle: PrivateClickHouse = {
    url: service.address,
    start: async () => void (await service.start(ctx)),
    stop: async () => void (await service.stop(ctx)),
    async close() {
      await service.stop(ctx).catch(() => {});
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  try {
    await handle.start();
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}
