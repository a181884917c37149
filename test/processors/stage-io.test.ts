import { afterEach, describe, expect, it } from "vitest";
import { ChurnError } from "../../core/errors.js";
import { createMemoryEventLog } from "../../core/eventlog/index.js";
import type { ConsumerOptions, EventLog, LogRecord } from "../../core/eventlog/ports.js";
import { buildDeadLetter, encodeDeadLetters, openStageIo } from "../../processors/stage-io.js";
import { AvroCodec, frame } from "../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { SchemaRegistry } from "../../schemas/ports.js";

const OPTIONS = {
  groupId: "stage-io-test",
  startFrom: "earliest",
  maxBatchRecords: 123,
  topics: { deadLetters: "dlq" },
} as const;

/** A memory log that records what was asked of it. */
function spiedLog(): { log: EventLog; consumers: ConsumerOptions[]; producers: () => number } {
  const inner = createMemoryEventLog();
  const consumers: ConsumerOptions[] = [];
  let producers = 0;
  const log: EventLog = {
    backend: inner.backend,
    admin: () => inner.admin(),
    producer: () => {
      producers++;
      return inner.producer();
    },
    consumer: (options) => {
      consumers.push(options);
      return inner.consumer(options);
    },
    close: () => inner.close(),
  };
  return { log, consumers, producers: () => producers };
}

const logs: EventLog[] = [];
afterEach(async () => {
  await Promise.all(logs.splice(0).map((log) => log.close()));
});

function record(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    topic: "features",
    partition: 2,
    offset: 41,
    key: Buffer.from("c-1"),
    value: frame(7, Buffer.from([1, 2, 3])),
    timestamp: 1_700_000_000_000,
    headers: {},
    ...overrides,
  };
}

describe("openStageIo", () => {
  it("registers the output and DeadLetter schemas under their topics' value subjects", async () => {
    const { log, consumers, producers } = spiedLog();
    logs.push(log);
    const registry = createMemorySchemaRegistry();
    const io = await openStageIo({ log, schemaRegistry: registry }, OPTIONS, {
      topic: "scores",
      record: "ChurnScore",
    });
    expect(io.outputSchemaId).toBe((await registry.latest("scores-value")).id);
    expect(io.deadLetterSchemaId).toBe((await registry.latest("dlq-value")).id);
    expect(io.outputSchemaId).not.toBe(io.deadLetterSchemaId);
    // The codec is the one that resolved them: asking again hits its cache, same ids.
    expect(await io.codec.schemaIdFor("scores-value", "ChurnScore")).toBe(io.outputSchemaId);
    expect(producers()).toBe(1);
    expect(consumers).toEqual([{ groupId: "stage-io-test", fromBeginning: true, maxBatchRecords: 123 }]);
  });

  it("starts a group without commits at the end when startFrom is latest", async () => {
    const { log, consumers } = spiedLog();
    logs.push(log);
    await openStageIo(
      { log, schemaRegistry: createMemorySchemaRegistry() },
      { ...OPTIONS, startFrom: "latest" },
      { topic: "features", record: "CustomerFeatures" },
    );
    expect(consumers[0]?.fromBeginning).toBe(false);
  });

  it("creates no producer or consumer when a schema cannot be registered", async () => {
    const { log, consumers, producers } = spiedLog();
    logs.push(log);
    const down = new ChurnError("CHURN_SCHEMA_REGISTRY_UNAVAILABLE", "registry down", { retryable: true });
    const registry: SchemaRegistry = {
      ...createMemorySchemaRegistry(),
      register: () => Promise.reject(down),
    };
    await expect(
      openStageIo({ log, schemaRegistry: registry }, OPTIONS, { topic: "scores", record: "ChurnScore" }),
    ).rejects.toBe(down);
    expect(producers()).toBe(0);
    expect(consumers).toEqual([]);
  });
});

describe("dead letters", () => {
  it("carry the stage, the cause and the source record", () => {
    const source = record();
    const letter = buildDeadLetter(
      "score",
      source,
      { code: "CHURN_PROC_KEY_MISMATCH", reason: "keyed wrong", schemaId: 7 },
      1_700_000_000_500,
    );
    expect(letter).toEqual({
      stage: "score",
      reason_code: "CHURN_PROC_KEY_MISMATCH",
      reason: "keyed wrong",
      source_topic: "features",
      source_partition: 2,
      source_offset: 41,
      source_timestamp: 1_700_000_000_000,
      schema_id: 7,
      key: source.key,
      value: source.value,
      failed_at_ts: 1_700_000_000_500,
    });
  });

  it("encode in order, keyed by source topic/partition/offset, and decode back", async () => {
    const codec = new AvroCodec(createMemorySchemaRegistry());
    const schemaId = await codec.schemaIdFor("dlq-value", "DeadLetter");
    const letters = [
      buildDeadLetter("features", record(), { code: "A", reason: "first", schemaId: 7 }, 1),
      buildDeadLetter(
        "features",
        record({ topic: "bills", partition: 0, offset: 9, key: null, value: null }),
        { code: "B", reason: "second", schemaId: null },
        2,
      ),
    ];
    const encoded = encodeDeadLetters(codec, schemaId, letters);
    expect(encoded.map((r) => r.key)).toEqual(["features/2/41", "bills/0/9"]);
    const decoded = await Promise.all(encoded.map((r) => codec.decode("DeadLetter", r.value)));
    expect(decoded.map((d) => d.schemaId)).toEqual([schemaId, schemaId]);
    expect(decoded.map((d) => d.value)).toEqual(letters);
    expect(encodeDeadLetters(codec, schemaId, [])).toEqual([]);
  });

  it("keep a framed schema id that is no Avro int as null, so the letter still encodes", async () => {
    const codec = new AvroCodec(createMemorySchemaRegistry());
    const schemaId = await codec.schemaIdFor("dlq-value", "DeadLetter");
    const letters = [2_147_483_647, 2_147_483_648, 4_294_967_295].map((id) =>
      buildDeadLetter(
        "features",
        record(),
        { code: "CHURN_WIRE_UNKNOWN_SCHEMA", reason: "r", schemaId: id },
        1,
      ),
    );
    expect(letters.map((l) => l.schema_id)).toEqual([2_147_483_647, null, null]);
    expect(encodeDeadLetters(codec, schemaId, letters)).toHaveLength(3);
  });

  it("refuse a letter that does not fit the schema", async () => {
    const codec = new AvroCodec(createMemorySchemaRegistry());
    const schemaId = await codec.schemaIdFor("dlq-value", "DeadLetter");
    const letter = buildDeadLetter(
      "score",
      record({ partition: 1.5 }),
      { code: "A", reason: "r", schemaId: 7 },
      1,
    );
    expect(() => encodeDeadLetters(codec, schemaId, [letter])).toThrow(
      expect.objectContaining({ code: "CHURN_WIRE_ENCODE_FAILED" }),
    );
  });
});
