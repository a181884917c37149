/**
 * Turns log records of the input topics into merge entries: a valid event for `step`, or a
 * rejection (reason code + message) for the dead-letter topic. Bad records never throw.
 *
 * Same wire semantics and error codes as AvroCodec.decode, split in two so the hot path is
 * synchronous: `prepare` fetches (once per schema id) the writer schema and builds its resolver,
 * which is the only I/O; `decode` then runs without promises (at 10^5 records/s the promise per
 * record of an async decode is a large share of the cost).
 */
import avro from "avsc";
import { ChurnError, errorMessage, isChurnError } from "../../core/errors.js";
import type { LogRecord } from "../../core/eventlog/ports.js";
import { type AvroCodec, HEADER_BYTES, MAGIC_BYTE, unframe } from "../../schemas/codec.js";
import type { SchemaRegistry } from "../../schemas/ports.js";
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";
import type { FeaturesInput, TopicKind } from "./logic.js";
import type { MergeEntry } from "./merge.js";
import {
  billingEventProblems,
  clickEventProblems,
  isValidBillingEvent,
  isValidClickEvent,
} from "./validate.js";

/** Why a record was not processed. */
export interface Rejection {
  /** A ChurnError code, e.g. CHURN_WIRE_BAD_MAGIC, CHURN_PROC_INVALID_EVENT. */
  readonly code: string;
  readonly reason: string;
  /** Schema id of the record's framing when it had one. */
  readonly schemaId: number | null;
}

/** A buffered record of one of the partition's input topics. */
export interface Entry extends MergeEntry {
  readonly kind: TopicKind;
  readonly record: LogRecord;
  /** The event to fold, or null when rejected. */
  readonly input: (FeaturesInput & { kind: TopicKind }) | null;
  readonly rejection: Rejection | null;
}

/** The schema id of a Confluent-framed value, or null when it is not framed. */
export function schemaIdOf(value: Buffer | null): number | null {
  return value !== null && value.length >= HEADER_BYTES && value[0] === MAGIC_BYTE
    ? value.readUInt32BE(1)
    : null;
}

const RECORD = { clickstream: "ClickEvent", billing: "BillingEvent" } as const;
/** Unknown schema ids remembered as such (wrong ids would otherwise cost a lookup per record). */
const MAX_CACHED_IDS = 10_000;

function rejected(kind: TopicKind, record: LogRecord, rejection: Rejection): Entry {
  return { kind, record, offset: record.offset, timestamp: record.timestamp, input: null, rejection };
}

export class EventDecoder {
  readonly #codec: AvroCodec;
  readonly #registry: SchemaRegistry;
  /** Per topic kind: schema id → resolver, or the non-retryable error of that id. */
  readonly #resolvers = {
    clickstream: new Map<number, avro.Resolver | ChurnError>(),
    billing: new Map<number, avro.Resolver | ChurnError>(),
  };

  constructor(codec: AvroCodec, registry: SchemaRegistry) {
    this.#codec = codec;
    this.#registry = registry;
  }

  /**
   * Loads what `decode` needs for the schema ids of `records`.
   * @throws ChurnError (retryable) when the schema registry cannot be reached; nothing is cached then
   */
  async prepare(kind: TopicKind, records: readonly LogRecord[]): Promise<void> {
    const resolvers = this.#resolvers[kind];
    let last = -1;
    for (const record of records) {
      const id = schemaIdOf(record.value);
      // Consecutive records nearly always share their writer schema: skip the map lookup then.
      if (id === null || id === last) continue;
      last = id;
      if (resolvers.has(id)) continue;
      if (resolvers.size >= MAX_CACHED_IDS) resolvers.clear();
      resolvers.set(id, await this.#load(kind, id));
    }
  }

  async #load(kind: TopicKind, id: number): Promise<avro.Resolver | ChurnError> {
    let text: string;
    try {
      text = await this.#registry.getById(id);
    } catch (error) {
      if (!isChurnError(error) || error.retryable) throw error;
      return error;
    }
    try {
      return this.#codec
        .type(RECORD[kind])
        .createResolver(avro.Type.forSchema(JSON.parse(text) as avro.Schema));
    } catch (cause) {
      return new ChurnError(
        "CHURN_SCHEMA_INCOMPATIBLE",
        `schema id ${id} cannot be read as ${RECORD[kind]} (${errorMessage(cause)}): the record was written with an incompatible schema`,
        { cause },
      );
    }
  }

  /**
   * Decodes and validates one record (after `prepare` saw it).
   * @param maxFutureSkewMs events more than this after the record's log timestamp are invalid (0 = no check)
   */
  decode(kind: TopicKind, record: LogRecord, maxFutureSkewMs: number): Entry {
    const { value } = record;
    const schemaId = schemaIdOf(value);
    if (schemaId === null) {
      try {
        unframe(value);
      } catch (error) {
        const code = isChurnError(error) ? error.code : "CHURN_WIRE_TRUNCATED";
        return rejected(kind, record, { code, reason: errorMessage(error), schemaId: null });
      }
    }
    const resolver = this.#resolvers[kind].get(schemaId!);
    if (resolver === undefined)
      throw new Error(`EventDecoder.prepare was not called for schema id ${schemaId}`);
    if (resolver instanceof ChurnError) {
      return rejected(kind, record, { code: resolver.code, reason: resolver.message, schemaId });
    }
    let event: ClickEvent | BillingEvent;
    try {
      const decoded = this.#codec.type(RECORD[kind]).decode(value!, HEADER_BYTES, resolver);
      if (decoded.offset !== value!.length)
        throw new Error(decoded.offset < 0 ? "truncated body" : "trailing bytes");
      event = decoded.value as ClickEvent | BillingEvent;
    } catch (cause) {
      return rejected(kind, record, {
        code: "CHURN_WIRE_DECODE_FAILED",
        reason: `record body is not valid Avro for schema id ${schemaId} (${errorMessage(cause)}): the record is corrupt or truncated`,
        schemaId,
      });
    }
    return validated(kind, record, event, schemaId, maxFutureSkewMs);
  }
}

/** Whether the key bytes spell `id`, without decoding them (ids are ASCII in practice). */
function keyIs(key: Buffer | null, id: string): boolean {
  if (key === null) return false;
  if (key.length !== id.length) return key.toString("utf8") === id;
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== id.charCodeAt(i)) return key.toString("utf8") === id;
  }
  return true;
}

function validated(
  kind: TopicKind,
  record: LogRecord,
  event: ClickEvent | BillingEvent,
  schemaId: number | null,
  maxFutureSkewMs: number,
): Entry {
  const valid =
    kind === "clickstream"
      ? isValidClickEvent(event as ClickEvent)
      : isValidBillingEvent(event as BillingEvent);
  const tooFarAhead = maxFutureSkewMs > 0 && event.ts > record.timestamp + maxFutureSkewMs;
  if (!valid || tooFarAhead) {
    const problems =
      kind === "clickstream"
        ? clickEventProblems(event as ClickEvent)
        : billingEventProblems(event as BillingEvent);
    if (tooFarAhead)
      problems.push(`ts ${event.ts} is more than ${maxFutureSkewMs} ms after the record's log timestamp`);
    return rejected(kind, record, {
      code: "CHURN_PROC_INVALID_EVENT",
      reason: problems.join("; "),
      schemaId,
    });
  }
  if (!keyIs(record.key, event.customer_id)) {
    const key = record.key?.toString("utf8");
    return rejected(kind, record, {
      code: "CHURN_PROC_KEY_MISMATCH",
      reason: `record key ${JSON.stringify(key ?? null)} is not the event's customer_id "${event.customer_id}": the producer must key records by customer_id`,
      schemaId,
    });
  }
  const input =
    kind === "clickstream"
      ? { kind, event: event as ClickEvent, offset: record.offset }
      : { kind, event: event as BillingEvent, offset: record.offset };
  return { kind, record, offset: record.offset, timestamp: record.timestamp, input, rejection: null };
}

/**
 * Decodes and validates one record (convenience for tests and one-off tools).
 * @throws ChurnError with `retryable` true when the schema registry cannot be reached
 */
export async function decodeRecord(
  decoder: EventDecoder,
  kind: TopicKind,
  record: LogRecord,
  maxFutureSkewMs: number,
): Promise<Entry> {
  await decoder.prepare(kind, [record]);
  return decoder.decode(kind, record, maxFutureSkewMs);
}
