/**
 * Parsing and canonicalising Avro schema text, shared by every backend so that "the same
 * schema" means the same thing everywhere.
 */
import avro from "avsc";
import { ChurnError, errorMessage } from "../../core/errors.js";

/** A schema checked by avsc, with the text the registry stores and compares. */
export interface ParsedSchema {
  /**
   * The JSON re-serialised without insignificant whitespace. Key order, docs and defaults are
   * kept (unlike Avro's Parsing Canonical Form) because readers need the defaults.
   */
  readonly canonical: string;
  /** The avsc type, used for compatibility checks. */
  readonly type: avro.Type;
}

/**
 * Parses Avro schema JSON text.
 * @throws ChurnError CHURN_SCHEMA_INVALID when the text is not JSON or not a valid Avro schema
 */
export function parseSchema(text: string, subject?: string): ParsedSchema {
  const where = subject === undefined ? "" : ` for subject '${subject}'`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ChurnError(
      "CHURN_SCHEMA_INVALID",
      `schema${where} is not JSON (${errorMessage(error)}); pass the .avsc file's text`,
      { cause: error, details: { subject } },
    );
  }
  try {
    // A fresh registry per parse: named types of one schema must not leak into another.
    const type = avro.Type.forSchema(json as avro.Schema, { registry: {} });
    return { canonical: JSON.stringify(json), type };
  } catch (error) {
    throw new ChurnError(
      "CHURN_SCHEMA_INVALID",
      `schema${where} is not a valid Avro schema: ${errorMessage(error)}; fix the .avsc file`,
      { cause: error, details: { subject } },
    );
  }
}

/** The canonical text of `text`, or the text itself when it is not JSON (left for the registry to refuse). */
export function canonicalText(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}
