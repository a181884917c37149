/**
 * Reading model folders: the file names of a version, its JSON files (checked), and the
 * bootstrap model shipped in training/bootstrap/ as a `register` input.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ChurnError, errorMessage } from "../../core/errors.js";
import { projectRoot } from "../../core/paths.js";
import type { ChurnModel } from "../model.js";
import type { ModelCard, ModelRegistry } from "./ports.js";

/** File names inside the registry and each version folder. */
export const RegistryFiles = {
  state: "registry.json",
  previousState: "registry.json.prev",
  lock: ".registry.lock",
  onnx: "model.onnx",
  model: "model.json",
  card: "card.json",
  cardMarkdown: "card.md",
} as const;

/** What `register` stores. */
export type RegisterInput = Parameters<ModelRegistry["register"]>[0];

/** The bootstrap model shipped with churnstream (written by the trainer). */
export function bootstrapDir(): string {
  return join(projectRoot(), "training", "bootstrap");
}

/** Reads a model folder (the bootstrap model) as a `register` input. */
export async function readBootstrap(fromDir: string): Promise<RegisterInput> {
  const file = async (name: string) => {
    try {
      return await readFile(join(fromDir, name));
    } catch (error) {
      throw invalid(join(fromDir, name), `cannot be read (${errorMessage(error)})`, error);
    }
  };
  const [onnx, modelText, cardText, cardMarkdown] = await Promise.all([
    file(RegistryFiles.onnx),
    file(RegistryFiles.model),
    file(RegistryFiles.card),
    file(RegistryFiles.cardMarkdown),
  ]);
  const parse = (text: Buffer, name: string): unknown => {
    try {
      return JSON.parse(text.toString("utf8"));
    } catch (error) {
      throw invalid(join(fromDir, name), `is not JSON (${errorMessage(error)})`, error);
    }
  };
  const model = checkModel(parse(modelText, RegistryFiles.model), join(fromDir, RegistryFiles.model));
  const { version: _ignored, ...card } = parse(cardText, RegistryFiles.card) as ModelCard;
  return { onnx: new Uint8Array(onnx), model, card, cardMarkdown: cardMarkdown.toString("utf8") };
}

/** A CHURN_MODEL_INVALID error naming the damaged file. */
export function invalid(path: string, problem: string, cause?: unknown): ChurnError {
  return new ChurnError(
    "CHURN_MODEL_INVALID",
    `${path}: ${problem}; the version folder is damaged: re-register the model (churnstream retrain)`,
    { cause, details: { path } },
  );
}

/** Reads and parses a JSON file of a version folder. @throws ChurnError CHURN_MODEL_INVALID */
export async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw invalid(path, `cannot be read (${errorMessage(error)})`, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(path, `is not JSON (${errorMessage(error)})`, error);
  }
}

/** Checks that parsed JSON is a ChurnModel. @throws ChurnError CHURN_MODEL_INVALID */
export function checkModel(raw: unknown, path: string): ChurnModel {
  const m = raw as Partial<ChurnModel> | null;
  if (m === null || typeof m !== "object" || !Array.isArray(m.features))
    throw invalid(path, "has no features");
  if (m.kind === "gbdt" && Array.isArray((m as { trees?: unknown }).trees)) return m as ChurnModel;
  if (m.kind === "lr" && Array.isArray((m as { weights?: unknown }).weights)) return m as ChurnModel;
  throw invalid(path, 'is neither a "gbdt" tree ensemble nor an "lr" linear model');
}
