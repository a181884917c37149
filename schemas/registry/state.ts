/**
 * The registry's bookkeeping without I/O: subjects → versions, global ids and compatibility
 * levels, with Confluent's rules. The memory backend wraps one instance; a REST server could
 * wrap another.
 */
import { ChurnError } from "../../core/errors.js";
import { type CompatibilityLevel, DEFAULT_COMPATIBILITY, type RegisteredSchema } from "../ports.js";
import { type ParsedSchema, parseSchema } from "./canonical.js";
import { type CompatibilityVerdict, checkCompatibility } from "./compatibility.js";

interface StoredSchema {
  readonly id: number;
  readonly parsed: ParsedSchema;
}

interface Subject {
  /** Global ids, index = version - 1. */
  readonly versions: number[];
  level?: CompatibilityLevel;
}

/** What `register` did. */
export interface Registration {
  readonly id: number;
  readonly version: number;
  /** False when the subject already had the schema (no new version). */
  readonly created: boolean;
}

export interface RegistryStateOptions {
  /** Level of subjects without their own. @default "BACKWARD" */
  defaultCompatibility?: CompatibilityLevel;
  /** The first id handed out; Confluent starts at 1. @default 1 */
  firstId?: number;
}

/** In-process registry state. Not thread-safe by design: callers serialise (one event loop). */
export class RegistryState {
  readonly #byId = new Map<number, StoredSchema>();
  readonly #idByCanonical = new Map<string, number>();
  readonly #subjects = new Map<string, Subject>();
  #nextId: number;
  #defaultLevel: CompatibilityLevel;

  constructor(options: RegistryStateOptions = {}) {
    this.#defaultLevel = options.defaultCompatibility ?? DEFAULT_COMPATIBILITY;
    this.#nextId = options.firstId ?? 1;
  }

  /**
   * Registers `text` under `subject` (see SchemaRegistry.register for the rules).
   * @throws ChurnError CHURN_SCHEMA_INVALID, CHURN_SCHEMA_INCOMPATIBLE
   */
  register(subject: string, text: string): Registration {
    const parsed = parseSchema(text, subject);
    const known = this.#idByCanonical.get(parsed.canonical);
    const entry = this.#subjects.get(subject);
    if (known !== undefined && entry) {
      const index = entry.versions.indexOf(known);
      if (index >= 0) return { id: known, version: index + 1, created: false };
    }
    const verdict = this.#check(subject, parsed);
    if (!verdict.compatible) {
      const level = this.compatibility(subject);
      throw new ChurnError(
        "CHURN_SCHEMA_INCOMPATIBLE",
        `schema refused for subject '${subject}' (compatibility ${level}): ${verdict.reason}; ` +
          "add new fields with a default instead of changing or removing required ones, " +
          "or change the subject's compatibility level",
        { details: { subject, level, conflictingVersion: verdict.conflictingVersion } },
      );
    }
    const id = known ?? this.#nextId++;
    if (known === undefined) {
      this.#byId.set(id, { id, parsed });
      this.#idByCanonical.set(parsed.canonical, id);
    }
    const subjectEntry = entry ?? { versions: [] };
    subjectEntry.versions.push(id);
    this.#subjects.set(subject, subjectEntry);
    return { id, version: subjectEntry.versions.length, created: true };
  }

  /**
   * Whether `text` could become the subject's next version.
   * @throws ChurnError CHURN_SCHEMA_INVALID
   */
  test(subject: string, text: string): CompatibilityVerdict {
    return this.#check(subject, parseSchema(text, subject));
  }

  /** @throws ChurnError CHURN_SCHEMA_NOT_FOUND */
  schemaById(id: number): string {
    const stored = this.#byId.get(id);
    if (!stored) {
      throw new ChurnError(
        "CHURN_SCHEMA_NOT_FOUND",
        `no schema with id ${id}; the record was written against another registry, or the registry lost its data`,
        { details: { id } },
      );
    }
    return stored.parsed.canonical;
  }

  /** @throws ChurnError CHURN_SCHEMA_NOT_FOUND */
  latest(subject: string): RegisteredSchema {
    const versions = this.#versions(subject);
    return this.version(subject, versions.length);
  }

  /** @throws ChurnError CHURN_SCHEMA_NOT_FOUND */
  version(subject: string, version: number): RegisteredSchema {
    const id = this.#versions(subject)[version - 1];
    if (id === undefined || !Number.isInteger(version) || version < 1) {
      throw new ChurnError("CHURN_SCHEMA_NOT_FOUND", `subject '${subject}' has no version ${version}`, {
        details: { subject, version },
      });
    }
    return { id, subject, version, schema: this.schemaById(id) };
  }

  /** Names of subjects with at least one version, sorted. */
  subjects(): string[] {
    return [...this.#subjects.entries()]
      .filter(([, entry]) => entry.versions.length > 0)
      .map(([name]) => name)
      .sort();
  }

  /** Version numbers of `subject`, ascending. @throws ChurnError CHURN_SCHEMA_NOT_FOUND */
  versionNumbers(subject: string): number[] {
    return this.#versions(subject).map((_, index) => index + 1);
  }

  /** The subject's level, or the default level when it has none (or `subject` is undefined). */
  compatibility(subject?: string): CompatibilityLevel {
    const own = subject === undefined ? undefined : this.#subjects.get(subject)?.level;
    return own ?? this.#defaultLevel;
  }

  /** Sets a subject's level (the subject need not exist yet, as in Confluent), or the default level. */
  setCompatibility(subject: string | undefined, level: CompatibilityLevel): void {
    if (subject === undefined) {
      this.#defaultLevel = level;
      return;
    }
    const entry = this.#subjects.get(subject) ?? { versions: [] };
    entry.level = level;
    this.#subjects.set(subject, entry);
  }

  #check(subject: string, parsed: ParsedSchema): CompatibilityVerdict {
    const ids = this.#subjects.get(subject)?.versions ?? [];
    const existing = ids.map((id, index) => ({ version: index + 1, type: this.#byId.get(id)!.parsed.type }));
    return checkCompatibility(this.compatibility(subject), parsed.type, existing);
  }

  #versions(subject: string): number[] {
    const versions = this.#subjects.get(subject)?.versions;
    if (!versions || versions.length === 0) {
      throw new ChurnError(
        "CHURN_SCHEMA_NOT_FOUND",
        `subject '${subject}' has no registered schema; producers register it on first send`,
        { details: { subject } },
      );
    }
    return versions;
  }
}
