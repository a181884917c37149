/**
 * Turns simulator records into log records: key = customer_id, value = Confluent-framed Avro
 * from the AvroCodec. Malformed records are realised here as raw bytes that fail downstream:
 * `bad_value` decodes but breaks a validation rule, `unknown_enum` carries an enum index beyond
 * the symbols, `truncated` is cut short, `wrong_schema_id` names a schema no registry holds.
 */
import type avro from "avsc";
import { Topics, valueSubject } from "../schemas/catalog.js";
import { type AvroCodec, frame } from "../schemas/codec.js";
import { customerId, type SimRecord, type TopicKind } from "./simulator/index.js";

/** Schema ids from here up are never registered: `wrong_schema_id` records use them. */
export const UNKNOWN_SCHEMA_ID_BASE = 2_000_000_000;

/** A record ready for the log. */
export interface EncodedRecord {
  /** Topic name (clickstream.v1 or billing.v1). */
  topic: string;
  key: Buffer;
  value: Buffer;
  /** Kafka record timestamp: the record's arrival time. */
  timestamp: number;
  /** The record it was made from. */
  source: SimRecord;
}

const RECORD_OF: Readonly<Record<TopicKind, "ClickEvent" | "BillingEvent">> = {
  clickstream: Topics.clickstream.record,
  billing: Topics.billing.record,
};

/** The topics records go to. */
export type TopicNames = Readonly<Record<TopicKind, string>>;

export const DEFAULT_TOPIC_NAMES: TopicNames = {
  clickstream: Topics.clickstream.name,
  billing: Topics.billing.name,
};

/** Appends Avro's zig-zag varint encoding of a small non-negative int. */
function zigzagVarint(value: number): Buffer {
  let n = value * 2;
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

export class RecordEncoder {
  readonly #codec: AvroCodec;
  readonly #schemaIds: Readonly<Record<TopicKind, number>>;
  readonly #topics: TopicNames;
  readonly #keys: Buffer[] = [];

  private constructor(codec: AvroCodec, schemaIds: Record<TopicKind, number>, topics: TopicNames) {
    this.#codec = codec;
    this.#schemaIds = schemaIds;
    this.#topics = topics;
  }

  /**
   * Registers (or looks up) the writer schemas of both event topics.
   * @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE / CHURN_SCHEMA_INCOMPATIBLE from the registry
   */
  static async create(codec: AvroCodec, topics: TopicNames = DEFAULT_TOPIC_NAMES): Promise<RecordEncoder> {
    const [clickstream, billing] = await Promise.all([
      codec.schemaIdFor(valueSubject(topics.clickstream), RECORD_OF.clickstream),
      codec.schemaIdFor(valueSubject(topics.billing), RECORD_OF.billing),
    ]);
    return new RecordEncoder(codec, { clickstream, billing }, topics);
  }

  /** The writer schema ids in use. */
  get schemaIds(): Readonly<Record<TopicKind, number>> {
    return this.#schemaIds;
  }

  /**
   * Encodes one record.
   * @throws ChurnError CHURN_WIRE_ENCODE_FAILED if the simulator produced a schema-invalid event (a bug)
   */
  encode(record: SimRecord): EncodedRecord {
    return {
      topic: this.#topics[record.topic],
      key: this.#key(record),
      value: record.malformed === null ? this.#valid(record) : this.#malformed(record),
      timestamp: record.arrivalTs,
      source: record,
    };
  }

  #key(record: SimRecord): Buffer {
    let key = this.#keys[record.customerIndex];
    if (key === undefined) {
      // From the index, not the value: a bad_value record may blank customer_id in the value.
      key = Buffer.from(customerId(record.customerIndex));
      this.#keys[record.customerIndex] = key;
    }
    return key;
  }

  #valid(record: SimRecord): Buffer {
    const id = this.#schemaIds[record.topic];
    return record.topic === "clickstream"
      ? this.#codec.encode("ClickEvent", id, record.event)
      : this.#codec.encode("BillingEvent", id, record.event);
  }

  #malformed(record: SimRecord): Buffer {
    const { kind, param } = record.malformed!;
    switch (kind) {
      case "bad_value":
        return this.#valid(record);
      case "truncated": {
        const whole = this.#valid(record);
        return Buffer.from(whole.subarray(0, Math.max(1, Math.floor(param * (whole.length - 1)))));
      }
      case "wrong_schema_id":
        return frame(UNKNOWN_SCHEMA_ID_BASE + Math.floor(param * 1000), this.#body(record));
      case "unknown_enum":
        return frame(this.#schemaIds[record.topic], this.#body(record, 1 + Math.floor(param * 50)));
    }
  }

  /** The Avro body field by field; `badEnumOffset` replaces the `type` enum by an index past its symbols. */
  #body(record: SimRecord, badEnumOffset = 0): Buffer {
    const type = this.#codec.type(RECORD_OF[record.topic]) as avro.types.RecordType;
    const event = record.event as unknown as Record<string, unknown>;
    const parts = type.fields.map((field) => {
      if (badEnumOffset > 0 && field.name === "type") {
        const symbols = (field.type as avro.types.EnumType).symbols.length;
        return zigzagVarint(symbols - 1 + badEnumOffset);
      }
      return field.type.toBuffer(event[field.name]);
    });
    return Buffer.concat(parts);
  }
}
