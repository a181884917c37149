/**
 * Starts the API and dashboard on backends a caller already opened: what `churnstream serve`
 * and `churnstream demo` call. The caller keeps owning the backends; `close` stops the server
 * (and the ONNX sessions it opened), not them.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ChurnConfig } from "../core/config/index.js";
import { ChurnError, errorMessage } from "../core/errors.js";
import type { FeatureStore } from "../core/featurestore/ports.js";
import type { Warehouse } from "../sinks/ports.js";
import type { ModelRegistry } from "../training/registry/ports.js";
import { createOnnxVectorScorer } from "./scorer.js";
import { createServer } from "./server.js";
import type { VectorScorer } from "./types.js";

/** What {@link startServing} needs. */
export interface StartServingInput {
  config: Readonly<ChurnConfig>;
  /** The process registry (every stage's metrics, for /metrics and the dashboard). */
  registry: Registry;
  featureStore: FeatureStore;
  warehouse?: Warehouse;
  modelRegistry?: ModelRegistry;
  /** @default ONNX sessions of the registry's versions (when a modelRegistry is given) */
  scorer?: VectorScorer;
  logger?: Logger;
  /** Overrides `config.serving.port` (the demo's `--port`). */
  port?: number;
}

/** A running API. */
export interface ServingHandle {
  /** Base URL, e.g. http://127.0.0.1:8080 (the dashboard is at `${url}/`). */
  readonly url: string;
  /** Stops accepting requests, ends the dashboard streams and waits for in-flight requests. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the API and listens on `config.serving.host:port`.
 * @throws ChurnError CHURN_CONFIG_INVALID when the port cannot be bound, naming `serving.port`.
 */
export async function startServing(input: StartServingInput): Promise<ServingHandle> {
  const { config } = input;
  const onnx =
    input.scorer === undefined && input.modelRegistry !== undefined
      ? createOnnxVectorScorer({ registry: input.modelRegistry })
      : undefined;
  const app = await createServer(
    {
      featureStore: input.featureStore,
      registry: input.registry,
      ...(input.warehouse === undefined ? {} : { warehouse: input.warehouse }),
      ...(input.modelRegistry === undefined ? {} : { modelRegistry: input.modelRegistry }),
      ...((input.scorer ?? onnx) ? { scorer: (input.scorer ?? onnx) as VectorScorer } : {}),
      ...(input.logger === undefined ? {} : { logger: input.logger }),
    },
    config.serving,
  );
  const port = input.port ?? config.serving.port;
  const host = config.serving.host;
  let address: string;
  try {
    address = await app.listen({ host, port });
  } catch (cause) {
    await app.close();
    throw new ChurnError(
      "CHURN_CONFIG_INVALID",
      `cannot serve the API on ${host}:${port} (${errorMessage(cause)}): set serving.port (or --port) to a free port`,
      { cause, details: { host, port } },
    );
  }
  const url = address.replace("[::1]", "localhost");
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await app.close();
        await onnx?.close();
      })();
      return closing;
    },
  };
}
