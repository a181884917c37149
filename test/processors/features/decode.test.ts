import { describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import type { LogRecord } from "../../../core/eventlog/ports.js";
import { decodeRecord, EventDecoder } from "../../../processors/features/decode.js";
import {
  billingEventProblems,
  clickEventProblems,
  isValidBillingEvent,
  isValidClickEvent,
} from "../../../processors/features/validate.js";
import { badValueEvent } from "../../../producers/simulator/index.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import type { BillingEvent, ClickEvent } from "../../../schemas/types.js";
import { simulate } from "./simulated.js";
import { billing, click, T0 } from "./support.js";

const registry = createMemorySchemaRegistry();
const codec = new AvroCodec(registry);
const decoder = new EventDecoder(codec, registry);

function record(value: Buffer | null, key: string | null, timestamp = T0): LogRecord {
  return {
    topic: "clicks",
    partition: 0,
    offset: 7,
    key: key === null ? null : Buffer.from(key),
    value,
    timestamp,
    headers: {},
  };
}

async function encoded(event: ReturnType<typeof click>): Promise<Buffer> {
  return codec.encode("ClickEvent", await codec.schemaIdFor("clicks-value", "ClickEvent"), event);
}

describe("decoding and validating input records", () => {
  it("turns a valid record into an input for the logic", async () => {
    const event = click("C1", T0);
    const entry = await decodeRecord(decoder, "clickstream", record(await encoded(event), "C1"), 0);
    expect(entry).toMatchObject({ kind: "clickstream", offset: 7, timestamp: T0, rejection: null });
    expect(entry.input).toEqual({ kind: "clickstream", event, offset: 7 });
  });

  it("rejects trailing bytes and a writer schema it cannot read as the topic's record", async () => {
    const value = await encoded(click("C1", T0));
    const trailing = Buffer.concat([value, Buffer.from([0])]);
    expect((await decodeRecord(decoder, "clickstream", record(trailing, "C1"), 0)).rejection?.code).toBe(
      "CHURN_WIRE_DECODE_FAILED",
    );
    const otherId = await registry.register(
      "other-value",
      '{"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]}',
    );
    const other = Buffer.from([0, 0, 0, 0, 0, 2]);
    other.writeUInt32BE(otherId, 1);
    expect((await decodeRecord(decoder, "clickstream", record(other, "C1"), 0)).rejection?.code).toBe(
      "CHURN_SCHEMA_INCOMPATIBLE",
    );
  });

  it.each([
    [
      "a value that is not Confluent-framed",
      () => Buffer.from([1, 2, 3, 4, 5, 6]),
      "C1",
      "CHURN_WIRE_BAD_MAGIC",
    ],
    ["a truncated value", () => Buffer.from([0, 0]), "C1", "CHURN_WIRE_TRUNCATED"],
    ["an unknown schema id", () => Buffer.from([0, 0x7f, 0, 0, 1, 2]), "C1", "CHURN_SCHEMA_NOT_FOUND"],
  ])("rejects %s with its wire error code", async (_, value, key, code) => {
    const entry = await decodeRecord(decoder, "clickstream", record(value(), key), 0);
    expect(entry.input).toBeNull();
    expect(entry.rejection?.code).toBe(code);
  });

  it("rejects events that break a validation rule, naming it", async () => {
    const bad = await encoded(click("C1", T0, "PAGE_VIEW", { duration_ms: -5, country: "usa" }));
    const entry = await decodeRecord(decoder, "clickstream", record(bad, "C1"), 0);
    expect(entry.rejection).toMatchObject({ code: "CHURN_PROC_INVALID_EVENT", schemaId: expect.any(Number) });
    expect(entry.rejection!.reason).toBe(
      'duration_ms -5 is negative; country "usa" is not ISO 3166-1 alpha-2',
    );
    const id = await codec.schemaIdFor("bills-value", "BillingEvent");
    const refund = codec.encode("BillingEvent", id, billing("C1", 5, "REFUND", { attempt: 0 }));
    const rejected = await decodeRecord(decoder, "billing", record(refund, "C1"), 0);
    expect(rejected.rejection?.reason).toMatch(
      /ts 5 is not an epoch-ms time after 2000-01-01; attempt 0 is below 1/,
    );
  });

  it("rejects a record keyed by another customer, and events far after their log timestamp", async () => {
    const value = await encoded(click("C1", T0 + 2 * 86_400_000));
    expect(
      (await decodeRecord(decoder, "clickstream", record(value, "C2", T0 + 2 * 86_400_000), 0)).rejection
        ?.code,
    ).toBe("CHURN_PROC_KEY_MISMATCH");
    expect(
      (await decodeRecord(decoder, "clickstream", record(value, "C1"), 86_400_000)).rejection?.code,
    ).toBe("CHURN_PROC_INVALID_EVENT");
    expect((await decodeRecord(decoder, "clickstream", record(value, "C1"), 0)).rejection).toBeNull();
  });

  it("throws retryable registry errors instead of dead-lettering", async () => {
    const down: SchemaRegistry = {
      ...registry,
      getById: async () => {
        throw new ChurnError("CHURN_SCHEMA_REGISTRY_UNAVAILABLE", "down", { retryable: true });
      },
    };
    const value = Buffer.from([0, 0, 0, 3, 9, 2]);
    const error = (await decodeRecord(
      new EventDecoder(new AvroCodec(down), down),
      "clickstream",
      record(value, "C1"),
      0,
    ).catch((e) => e)) as ChurnError;
    expect(error.code).toBe("CHURN_SCHEMA_REGISTRY_UNAVAILABLE");
  });
});

describe("validation rules", () => {
  it("reject every simulated bad value and accept every valid event, fast and slow checks alike", () => {
    const records = simulate({ customers: 40, days: 3, seed: 2, faults: { malformedRate: 0.3 } });
    let bad = 0;
    for (const r of records) {
      if (r.malformed !== null && r.malformed.kind !== "bad_value") continue;
      const event = r.malformed === null ? r.event : badValueEvent(r, r.malformed.param);
      const problems =
        r.topic === "clickstream"
          ? clickEventProblems(event as ClickEvent)
          : billingEventProblems(event as BillingEvent);
      const valid =
        r.topic === "clickstream"
          ? isValidClickEvent(event as ClickEvent)
          : isValidBillingEvent(event as BillingEvent);
      expect({ id: event.event_id, valid, problems: problems.length > 0 }).toEqual({
        id: event.event_id,
        valid: r.malformed === null,
        problems: r.malformed !== null,
      });
      if (r.malformed !== null) bad++;
    }
    expect(bad).toBeGreaterThan(10);
  });
});
