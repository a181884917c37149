/**
 * The production VectorScorer: the scorer's own model loading (processors/score/model.ts: ONNX
 * session through onnxruntime-node, thresholds checked, explainer compiled), one loaded model per
 * version, kept until a newer champion replaces it. Same inference and reasons as the stream.
 */

import {
  type LoadedModel,
  loadModel,
  onnxSessionFactory,
  type SessionFactory,
} from "../processors/score/model.js";
import type { ModelRegistry, ModelVersion } from "../training/registry/ports.js";
import type { VectorScorer } from "./types.js";

/** Options of {@link createOnnxVectorScorer}. */
export interface OnnxVectorScorerOptions {
  registry: ModelRegistry;
  /** @default onnxruntime-node through training/onnx/session.ts */
  sessionFactory?: SessionFactory;
  /** Threads onnxruntime uses per batch. @default 1 */
  intraOpNumThreads?: number;
}

/** A VectorScorer with an ONNX session per model version; `close` releases them. */
export function createOnnxVectorScorer(
  options: OnnxVectorScorerOptions,
): VectorScorer & { close(): Promise<void> } {
  const factory = options.sessionFactory ?? onnxSessionFactory;
  const loaded = new Map<string, Promise<LoadedModel>>();
  const explainers = new Map<string, LoadedModel>();
  const load = (version: string): Promise<LoadedModel> => {
    let entry = loaded.get(version);
    if (entry === undefined) {
      entry = loadModel(options.registry, version, factory, {
        intraOpNumThreads: options.intraOpNumThreads ?? 1,
      });
      entry.catch(() => loaded.delete(version));
      loaded.set(version, entry);
      // Keep the newest two versions (champion and the one it replaced, during a promotion).
      for (const old of [...loaded.keys()].slice(0, Math.max(0, loaded.size - 2))) {
        const stale = loaded.get(old);
        loaded.delete(old);
        explainers.delete(old);
        void stale?.then((m) => m.session.close()).catch(() => undefined);
      }
    }
    return entry;
  };
  return {
    async score(model: ModelVersion, vectors: Float32Array, n: number) {
      const m = await load(model.version);
      explainers.set(model.version, m);
      return m.session.scoreBatch(vectors, n);
    },
    reasons(model, vectors, offset) {
      const m = explainers.get(model.version);
      return m === undefined ? [] : m.explainer.topReasons(vectors, offset);
    },
    async close() {
      const all = [...loaded.values()];
      loaded.clear();
      explainers.clear();
      await Promise.allSettled(all.map(async (p) => (await p).session.close()));
    },
  };
}
