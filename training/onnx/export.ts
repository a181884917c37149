/**
 * Exports a ChurnModel to standard ONNX (ai.onnx.ml), so any ONNX runtime scores it.
 *
 * Graph I/O (docs/training.md):
 *   input  "features"      float32 [N, F]  F = model.features.length, in model.features order
 *   output "label"         int64   [N]     1 when P(churn) > 0.5, else 0
 *   output "probabilities" float32 [N, 2]  [P(stay), P(churn)]; column 1 is the churn score
 *
 * GBDT → TreeEnsembleClassifier (BRANCH_LEQ, post_transform LOGISTIC) in the binary layout the
 * LightGBM/XGBoost converters use: every leaf votes its log-odds for class id 0, base_values =
 * [baseLogOdds], classlabels_int64s = [0, 1]; the runtime writes [σ(−s), σ(s)]. (Votes for both
 * class ids are NOT read that way by onnxruntime: it swaps them; a test pins this layout.)
 * LR → Scaler (the standardisation) then LinearClassifier with rows [−w, w] and intercepts
 * [−b, b], so probabilities = [σ(−s), σ(s)] as well.
 */
import type { ChurnModel, LinearModel, TreeEnsembleModel } from "../model.js";
import { OnnxAttributeType, OnnxDataType, onnxType } from "./proto.js";

/** ONNX IR version written (onnxruntime ≥ 1.14 reads it). */
export const ONNX_IR_VERSION = 8;
/** ai.onnx.ml opset: 3 has TreeEnsembleClassifier with base_values and is supported everywhere. */
export const ONNX_ML_OPSET = 3;
/** Names of the graph's input and outputs. */
export const ONNX_IO = { input: "features", label: "label", probabilities: "probabilities" } as const;

type Attribute = Record<string, unknown>;

function floats(name: string, values: readonly number[]): Attribute {
  return { name, type: OnnxAttributeType.FLOATS, floats: values.map(Math.fround) };
}
function ints(name: string, values: readonly number[]): Attribute {
  return { name, type: OnnxAttributeType.INTS, ints: values };
}
function int(name: string, value: number): Attribute {
  return { name, type: OnnxAttributeType.INT, i: value };
}
function string(name: string, value: string): Attribute {
  return { name, type: OnnxAttributeType.STRING, s: Buffer.from(value, "utf8") };
}
function strings(name: string, values: readonly string[]): Attribute {
  return { name, type: OnnxAttributeType.STRINGS, strings: values.map((v) => Buffer.from(v, "utf8")) };
}

function tensorType(elemType: number, dims: (number | string)[]): Record<string, unknown> {
  return {
    tensor_type: {
      elem_type: elemType,
      shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) },
    },
  };
}

function treeEnsembleNode(model: TreeEnsembleModel, input: string): Record<string, unknown> {
  const nodeTree: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const classTree: number[] = [];
  const classNode: number[] = [];
  const classIds: number[] = [];
  const classWeights: number[] = [];
  model.trees.forEach((tree, t) => {
    for (let node = 0; node < tree.feature.length; node++) {
      const leaf = tree.left[node]! < 0;
      nodeTree.push(t);
      nodeIds.push(node);
      featureIds.push(leaf ? 0 : tree.feature[node]!);
      modes.push(leaf ? "LEAF" : "BRANCH_LEQ");
      values.push(leaf ? 0 : tree.threshold[node]!);
      trueIds.push(leaf ? 0 : tree.left[node]!);
      falseIds.push(leaf ? 0 : tree.right[node]!);
      if (leaf) {
        const weight = tree.value[node]!;
        classTree.push(t);
        classNode.push(node);
        classIds.push(0);
        classWeights.push(weight);
      }
    }
  });
  return {
    input: [input],
    output: [ONNX_IO.label, ONNX_IO.probabilities],
    name: "churn_gbdt",
    op_type: "TreeEnsembleClassifier",
    domain: "ai.onnx.ml",
    attribute: [
      floats("base_values", [model.baseLogOdds]),
      ints("class_ids", classIds),
      ints("class_nodeids", classNode),
      ints("class_treeids", classTree),
      floats("class_weights", classWeights),
      ints("classlabels_int64s", [0, 1]),
      ints("nodes_falsenodeids", falseIds),
      ints("nodes_featureids", featureIds),
      strings("nodes_modes", modes),
      ints("nodes_nodeids", nodeIds),
      ints("nodes_treeids", nodeTree),
      ints("nodes_truenodeids", trueIds),
      floats("nodes_values", values),
      string("post_transform", "LOGISTIC"),
    ],
  };
}

function linearNodes(model: LinearModel, input: string): Record<string, unknown>[] {
  return [
    {
      input: [input],
      output: ["standardised"],
      name: "churn_lr_scaler",
      op_type: "Scaler",
      domain: "ai.onnx.ml",
      attribute: [
        floats("offset", model.mean),
        floats(
          "scale",
          model.scale.map((s) => 1 / s),
        ),
      ],
    },
    {
      input: ["standardised"],
      output: [ONNX_IO.label, ONNX_IO.probabilities],
      name: "churn_lr",
      op_type: "LinearClassifier",
      domain: "ai.onnx.ml",
      attribute: [
        floats("coefficients", [...model.weights.map((w) => -w), ...model.weights]),
        floats("intercepts", [-model.intercept, model.intercept]),
        ints("classlabels_ints", [0, 1]),
        int("multi_class", 0),
        string("post_transform", "LOGISTIC"),
      ],
    },
  ];
}

/**
 * The ONNX bytes of `model` (a ModelProto).
 * @param metadata extra metadata_props (e.g. version); `kind` and `features` are always written.
 */
export function exportOnnx(model: ChurnModel, metadata: Record<string, string> = {}): Uint8Array {
  const width = model.features.length;
  const nodes =
    model.kind === "gbdt" ? [treeEnsembleNode(model, ONNX_IO.input)] : linearNodes(model, ONNX_IO.input);
  const props = { kind: model.kind, features: JSON.stringify(model.features), ...metadata };
  const ModelProto = onnxType("ModelProto");
  const message = ModelProto.fromObject({
    ir_version: ONNX_IR_VERSION,
    opset_import: [
      { domain: "", version: 17 },
      { domain: "ai.onnx.ml", version: ONNX_ML_OPSET },
    ],
    producer_name: "churnstream",
    producer_version: "0.1.0",
    domain: "io.churnstream",
    model_version: 1,
    doc_string: `churnstream churn model (${model.kind}); probabilities[:, 1] = P(churn)`,
    graph: {
      name: `churn_${model.kind}`,
      node: nodes,
      input: [{ name: ONNX_IO.input, type: tensorType(OnnxDataType.FLOAT, ["N", width]) }],
      output: [
        { name: ONNX_IO.label, type: tensorType(OnnxDataType.INT64, ["N"]) },
        { name: ONNX_IO.probabilities, type: tensorType(OnnxDataType.FLOAT, ["N", 2]) },
      ],
    },
    metadata_props: Object.entries(props).map(([key, value]) => ({ key, value })),
  });
  return ModelProto.encode(message).finish();
}
