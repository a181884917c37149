/** Shapes shared by the trainers and the evaluation. */

/** `n` row-major float32 vectors of `width` inputs each. */
export interface FeatureMatrix {
  readonly x: Float32Array;
  readonly n: number;
  readonly width: number;
}

/** A feature matrix with a 0/1 label per row. */
export interface LabeledMatrix extends FeatureMatrix {
  readonly y: Uint8Array;
}

/** Loss per boosting round / iteration, for logs and the model card. */
export interface LossPoint {
  round: number;
  train: number;
  valid: number | null;
}

/** Progress callback of a trainer: `done` of `total` units (rounds or iterations). */
export type TrainProgress = (done: number, total: number, detail: Record<string, number>) => void;
