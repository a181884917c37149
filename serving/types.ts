/**
 * What the API is built from. Every dependency is a port, so route tests run on the in-memory
 * FeatureStore, a DuckDB warehouse and a registry in a temp dir, and production on Redis,
 * ClickHouse and the shared model directory.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { FeatureStore } from "../core/featurestore/ports.js";
import type { ScoreReason } from "../schemas/types.js";
import type { Warehouse } from "../sinks/ports.js";
import type { ModelRegistry, ModelVersion } from "../training/registry/ports.js";

/** Scores and explains feature vectors with a registered model version. */
export interface VectorScorer {
  /**
   * Scores `n` vectors laid out back to back in `vectors` (each `model.card.features.length`
   * values, in that order) and returns one probability per vector.
   * @throws ChurnError (retryable) when the inference backend fails
   */
  score(model: ModelVersion, vectors: Float32Array, n: number): Promise<Float32Array>;
  /**
   * The features that raised the score of the vector at `offset` most, largest first (at most 3).
   */
  reasons(model: ModelVersion, vectors: Float32Array, offset: number): ScoreReason[];
}

/** The backends and collaborators of the API. */
export interface ServingDeps {
  /** Online store of features, scores and at-risk sets. */
  featureStore: FeatureStore;
  /** Warehouse of the gold tables (segment queries); absent: /v1/segments answers 503. */
  warehouse?: Warehouse;
  /** Model registry (admin routes, ad-hoc scoring); absent: those routes answer 503. */
  modelRegistry?: ModelRegistry;
  /** Inference for ad-hoc scoring; absent: POST /v1/score answers 503. */
  scorer?: VectorScorer;
  /**
   * The process registry: /metrics serves it, the dashboard reads every stage's metrics from it
   * and the API registers its own `churnstream_serving_*` metrics in it.
   */
  registry: Registry;
  /** Parent logger; fastify logs each request as a child with its request id. */
  logger?: Logger;
  /** Wall clock, for freshness and uptime (tests pin it). @default Date.now */
  now?: () => number;
}
