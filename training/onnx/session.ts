/**
 * Loads an exported churn model into onnxruntime-node and scores batches of feature vectors.
 * Used by the scorer, the API and the trainer's ONNX fidelity test.
 */
import * as ort from "onnxruntime-node";
import { MODEL_FEATURES } from "../model.js";
import { ONNX_IO } from "./export.js";

/** Options of a scoring session. */
export interface ScoringSessionOptions {
  /**
   * Threads onnxruntime uses inside one batch.
   * @default 1
   */
  intraOpNumThreads?: number;
}

/** A loaded model. */
export interface ScoringSession {
  /** Inputs per vector (read from the model's input shape). */
  readonly featureCount: number;
  /**
   * P(churn) of the first `n` row-major vectors in `vectors` (`featureCount` floats each).
   * @throws RangeError when `vectors` holds fewer than `n` vectors.
   */
  scoreBatch(vectors: Float32Array, n: number): Promise<Float32Array>;
  /** Frees the native session. */
  close(): Promise<void>;
}

/** Opens a scoring session from ONNX bytes or a model.onnx path. */
export async function createScoringSession(
  model: Uint8Array | string,
  options: ScoringSessionOptions = {},
): Promise<ScoringSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
  const session =
    typeof model === "string"
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await ort.InferenceSession.create(model, sessionOptions);
  const input = session.inputMetadata[0];
  const width =
    input?.isTensor && typeof input.shape[1] === "number" ? input.shape[1] : MODEL_FEATURES.length;
  return {
    featureCount: width,
    async scoreBatch(vectors, n) {
      if (vectors.length < n * width) {
        throw new RangeError(
          `scoreBatch: ${n} vectors of ${width} floats need ${n * width}, got ${vectors.length}`,
        );
      }
      if (n === 0) return new Float32Array(0);
      const tensor = new ort.Tensor("float32", vectors.subarray(0, n * width), [n, width]);
      const result = await session.run({ [ONNX_IO.input]: tensor }, [ONNX_IO.probabilities]);
      const probabilities = result[ONNX_IO.probabilities]!.data as Float32Array;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = probabilities[i * 2 + 1]!;
      tensor.dispose();
      return out;
    },
    async close() {
      await session.release();
    },
  };
}
