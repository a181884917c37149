import type { z } from "zod";

/** A settable leaf of the config tree: its dotted path, env name and how to parse a string into it. */
export interface ConfigLeaf {
  path: string;
  envName: string;
  kind: "string" | "number" | "boolean" | "enum" | "string[]";
  /** Accepted values of an enum leaf. */
  values?: readonly string[];
}

interface ZodInternals {
  _zod: {
    def: { type: string; innerType?: z.ZodType; element?: z.ZodType; entries?: Record<string, string> };
  };
  shape?: Record<string, z.ZodType>;
}

function internals(schema: z.ZodType): ZodInternals {
  return schema as unknown as ZodInternals;
}

/** Strips default/prefault/optional wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = internals(current)._zod.def;
    if (def.innerType && ["default", "prefault", "optional", "nullable", "readonly"].includes(def.type)) {
      current = def.innerType;
    } else {
      return current;
    }
  }
}

/** `eventLog.kafka.brokers` → `CHURNSTREAM_EVENT_LOG_KAFKA_BROKERS`. */
export function envNameOf(path: string): string {
  return `CHURNSTREAM_${path
    .split(".")
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase())
    .join("_")}`;
}

/** Every leaf of an object schema, depth first. */
export function configLeaves(schema: z.ZodType, prefix = ""): ConfigLeaf[] {
  const inner = unwrap(schema);
  const { shape, _zod } = internals(inner);
  if (_zod.def.type === "object" && shape) {
    return Object.entries(shape).flatMap(([key, child]) =>
      configLeaves(child, prefix === "" ? key : `${prefix}.${key}`),
    );
  }
  const base = { path: prefix, envName: envNameOf(prefix) };
  switch (_zod.def.type) {
    case "number":
      return [{ ...base, kind: "number" }];
    case "boolean":
      return [{ ...base, kind: "boolean" }];
    case "enum":
      return [{ ...base, kind: "enum", values: Object.values(_zod.def.entries ?? {}) }];
    case "array":
      return [{ ...base, kind: "string[]" }];
    default:
      return [{ ...base, kind: "string" }];
  }
}

/**
 * Parses the string form of a leaf (env var, --set). Numbers and booleans that do not parse are
 * passed through as strings so the schema reports them with the key and the accepted values.
 */
export function parseLeafValue(leaf: ConfigLeaf, raw: string): unknown {
  switch (leaf.kind) {
    case "number": {
      const n = Number(raw.replace(/_/g, ""));
      return raw.trim() !== "" && Number.isFinite(n) ? n : raw;
    }
    case "boolean":
      return raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw;
    case "string[]":
      return raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    default:
      return raw;
  }
}
