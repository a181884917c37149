export { exportOnnx, ONNX_IO, ONNX_IR_VERSION, ONNX_ML_OPSET } from "./export.js";
export { createScoringSession, type ScoringSession, type ScoringSessionOptions } from "./session.js";
