/**
 * A tiny Prometheus endpoint for long-running commands: GET /metrics serves a registry in the
 * text exposition format; anything else is 404. Built on node:http so every stage can expose
 * its metrics without a web framework.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { ChurnError, errorMessage } from "./errors.js";

export interface MetricsServerOptions {
  registry: Registry;
  /** TCP port; 0 picks a free one. */
  port: number;
  /**
   * Interface to listen on (`metrics.host`): 0.0.0.0 lets a Prometheus in Docker or on another
   * host scrape it; the endpoint has no authentication.
   * @default "127.0.0.1"
   */
  host?: string;
}

export interface MetricsServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** The address actually bound, e.g. "127.0.0.1" or "0.0.0.0". */
  readonly host: string;
  /** http://host:port/metrics (IPv6 addresses in brackets). */
  readonly url: string;
  /** Stops accepting connections and closes idle ones. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts serving `registry` on http://host:port/metrics.
 * @throws ChurnError CHURN_CONFIG_INVALID when the address is taken or cannot be bound, naming
 *   the `metrics.port` and `metrics.host` keys to change
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry } = options;
  const host = options.host ?? "127.0.0.1";
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" || path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: try GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) =>
        response
          .writeHead(500, { "content-type": "text/plain" })
          .end(`metrics failed: ${errorMessage(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) =>
      reject(
        new ChurnError(
          "CHURN_CONFIG_INVALID",
          `cannot serve metrics on ${host}:${options.port} (${errorMessage(cause)}): set metrics.port to a free port (0 turns the endpoint off), or metrics.host to an address of this machine`,
          { cause, details: { host, port: options.port } },
        ),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  let closing: Promise<void> | undefined;
  const bound = server.address() as AddressInfo;
  const shown = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  return {
    port: bound.port,
    host: bound.address,
    url: `http://${shown}:${bound.port}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
