import avro from "avsc";
import { ChurnError, errorMessage, isChurnError } from "../core/errors.js";
import { type RecordName, schemaText } from "./catalog.js";
import type { SchemaRegistry } from "./ports.js";
import type { BillingEvent, ChurnScore, ClickEvent, CustomerFeatures, DeadLetter } from "./types.js";

/**
 * The Confluent wire format, in one place: magic byte 0, a 4-byte big-endian schema id, the Avro
 * binary body. Bytes are identical in embedded and Kafka modes.
 */

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export interface RecordTypes {
  ClickEvent: ClickEvent;
  BillingEvent: BillingEvent;
  CustomerFeatures: CustomerFeatures;
  ChurnScore: ChurnScore;
  DeadLetter: DeadLetter;
}

/** Prefixes an Avro body with the Confluent header. */
export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, HEADER_BYTES);
  return out;
}

/**
 * Splits a framed value into schema id and body.
 * @throws ChurnError CHURN_WIRE_TRUNCATED when shorter than the header
 * @throws ChurnError CHURN_WIRE_BAD_MAGIC when the first byte is not 0 (not Confluent-framed)
 */
export function unframe(value: Buffer | null): { schemaId: number; body: Buffer } {
  if (value === null || value.length < HEADER_BYTES) {
    throw new ChurnError(
      "CHURN_WIRE_TRUNCATED",
      `record value has ${value?.length ?? 0} bytes, fewer than the 5-byte Confluent header: the producer did not use the Confluent wire format`,
    );
  }
  const magic = value.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new ChurnError(
      "CHURN_WIRE_BAD_MAGIC",
      `record value starts with byte ${magic}, not the Confluent magic byte 0: the producer did not use the Confluent wire format`,
      { details: { magic } },
    );
  }
  return { schemaId: value.readUInt32BE(1), body: value.subarray(HEADER_BYTES) };
}

export interface Decoded<R extends RecordName> {
  schemaId: number;
  value: RecordTypes[R];
}

/**
 * Encodes and decodes churnstream records with schemas from a SchemaRegistry.
 *
 * Writers use the local (current) schema, registered once under the topic's subject. Readers
 * resolve whatever schema id a record carries against the local schema, so a consumer reads
 * records written with older or newer compatible versions.
 */
export class AvroCodec {
  readonly #registry: SchemaRegistry;
  readonly #localTypes = new Map<RecordName, avro.Type>();
  readonly #writerIds = new Map<string, number>();
  readonly #resolvers = new Map<string, Promise<avro.Resolver>>();

  constructor(registry: SchemaRegistry) {
    this.#registry = registry;
  }

  /** The avsc Type of a record's local schema. */
  type(record: RecordName): avro.Type {
    let type = this.#localTypes.get(record);
    if (type === undefined) {
      type = avro.Type.forSchema(JSON.parse(schemaText(record)) as avro.Schema);
      this.#localTypes.set(record, type);
    }
    return type;
  }

  /**
   * Registers the record's local schema under `subject` (once per codec) and returns its id.
   * @throws ChurnError CHURN_SCHEMA_INCOMPATIBLE when the registry refuses it
   */
  async schemaIdFor(subject: string, record: RecordName): Promise<number> {
    const cacheKey = `${subject}\u0000${record}`;
    let id = this.#writerIds.get(cacheKey);
    if (id === undefined) {
      id = await this.#registry.register(subject, schemaText(record));
      this.#writerIds.set(cacheKey, id);
    }
    return id;
  }

  /**
   * Encodes `value` with the given schema id (from `schemaIdFor`). Synchronous for hot loops.
   * @throws ChurnError CHURN_WIRE_ENCODE_FAILED naming the invalid fields
   */
  encode<R extends RecordName>(record: R, schemaId: number, value: RecordTypes[R]): Buffer {
    const type = this.type(record);
    // The hot path validates without an error hook; the failing fields are collected only on failure.
    if (!type.isValid(value)) {
      const invalid: string[] = [];
      type.isValid(value, { errorHook: (path, v) => invalid.push(`${path.join(".")}=${String(v)}`) });
      throw new ChurnError(
        "CHURN_WIRE_ENCODE_FAILED",
        `cannot encode ${record}: invalid field(s) ${invalid.join(", ")}; fix the producer to match schemas/avro`,
        { details: { record, invalid } },
      );
    }
    return frame(schemaId, type.toBuffer(value));
  }

  /**
   * Decodes a framed record into the local schema of `record`.
   * @throws ChurnError CHURN_WIRE_TRUNCATED / CHURN_WIRE_BAD_MAGIC for bad framing
   * @throws ChurnError CHURN_SCHEMA_NOT_FOUND when the registry does not know the schema id
   * @throws ChurnError CHURN_SCHEMA_INCOMPATIBLE when the writer schema cannot be read as `record`
   * @throws ChurnError CHURN_WIRE_DECODE_FAILED when the body is not valid Avro for its schema
   * @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE (retryable) when the registry is down
   */
  async decode<R extends RecordName>(record: R, value: Buffer | null): Promise<Decoded<R>> {
    const { schemaId, body } = unframe(value);
    const resolver = await this.#resolver(record, schemaId);
    try {
      return { schemaId, value: this.type(record).fromBuffer(body, resolver) as RecordTypes[R] };
    } catch (cause) {
      throw new ChurnError(
        "CHURN_WIRE_DECODE_FAILED",
        `record body is not valid Avro for schema id ${schemaId} (${errorMessage(cause)}): the record is corrupt or truncated`,
        { cause, details: { schemaId, record } },
      );
    }
  }

  #resolver(record: RecordName, schemaId: number): Promise<avro.Resolver> {
    const key = `${record}\u0000${schemaId}`;
    let pending = this.#resolvers.get(key);
    if (pending === undefined) {
      pending = this.#buildResolver(record, schemaId);
      this.#resolvers.set(key, pending);
      // A failed lookup (registry down) must not be cached forever.
      pending.catch(() => this.#resolvers.delete(key));
    }
    return pending;
  }

  async #buildResolver(record: RecordName, schemaId: number): Promise<avro.Resolver> {
    const writerText = await this.#registry.getById(schemaId);
    try {
      const writer = avro.Type.forSchema(JSON.parse(writerText) as avro.Schema);
      return this.type(record).createResolver(writer);
    } catch (cause) {
      if (isChurnError(cause)) throw cause;
      throw new ChurnError(
        "CHURN_SCHEMA_INCOMPATIBLE",
        `schema id ${schemaId} cannot be read as ${record} (${errorMessage(cause)}): the record was written with an incompatible schema`,
        { cause, details: { schemaId, record } },
      );
    }
  }
}
