/** Encoding: valid records round-trip; each malformed kind fails downstream the way it should. */
import { describe, expect, it } from "vitest";
import { isChurnError } from "../../core/errors.js";
import { RecordEncoder, UNKNOWN_SCHEMA_ID_BASE } from "../../producers/encode.js";
import {
  billingEventProblems,
  clickEventProblems,
  type MalformedKind,
  NO_FAULTS,
} from "../../producers/simulator/index.js";
import { AvroCodec, unframe } from "../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";
import { simulate } from "./support.js";

async function setup() {
  const codec = new AvroCodec(createMemorySchemaRegistry());
  const encoder = await RecordEncoder.create(codec);
  const { records } = simulate({
    customers: 150,
    days: 10,
    seed: 5,
    faults: { ...NO_FAULTS, malformedRate: 0.05 },
  });
  return { codec, encoder, records };
}

function problems(topic: string, value: ClickEvent | BillingEvent): string[] {
  return topic === "clickstream.v1"
    ? clickEventProblems(value as ClickEvent)
    : billingEventProblems(value as BillingEvent);
}

describe("RecordEncoder", () => {
  it("encodes valid events with the customer as key; they decode and pass validation", async () => {
    const { codec, encoder, records } = await setup();
    const valid = records.filter((r) => r.malformed === null).slice(0, 3000);
    for (const record of valid) {
      const encoded = encoder.encode(record);
      expect(encoded.key.toString()).toBe(record.event.customer_id);
      expect(encoded.timestamp).toBe(record.arrivalTs);
      const decoded = await codec.decode(
        record.topic === "clickstream" ? "ClickEvent" : "BillingEvent",
        encoded.value,
      );
      expect(decoded.value).toEqual(record.event);
      expect(problems(encoded.topic, decoded.value as ClickEvent | BillingEvent)).toEqual([]);
    }
    expect(new Set(valid.map((r) => encoder.encode(r).topic))).toEqual(
      new Set(["clickstream.v1", "billing.v1"]),
    );
  });

  it("makes every malformed record fail decoding or validation, each kind in its own way", async () => {
    const { codec, encoder, records } = await setup();
    const outcomes: Record<MalformedKind, Set<string>> = {
      bad_value: new Set(),
      unknown_enum: new Set(),
      truncated: new Set(),
      wrong_schema_id: new Set(),
    };
    for (const record of records.filter((r) => r.malformed !== null)) {
      const encoded = encoder.encode(record);
      const kind = record.malformed!.kind;
      expect(encoded.key.toString()).toMatch(/^C\d{7}$/);
      try {
        const decoded = await codec.decode(
          record.topic === "clickstream" ? "ClickEvent" : "BillingEvent",
          encoded.value,
        );
        const found = problems(encoded.topic, decoded.value as ClickEvent | BillingEvent);
        expect(found.length, `${kind} decoded cleanly`).toBeGreaterThan(0);
        outcomes[kind].add("INVALID");
      } catch (error) {
        if (!isChurnError(error)) throw error;
        outcomes[kind].add(error.code);
      }
      if (kind === "wrong_schema_id") {
        expect(unframe(encoded.value).schemaId).toBeGreaterThanOrEqual(UNKNOWN_SCHEMA_ID_BASE);
      }
    }
    expect(outcomes.bad_value).toEqual(new Set(["INVALID"]));
    expect(outcomes.unknown_enum).toEqual(new Set(["CHURN_WIRE_DECODE_FAILED"]));
    expect(outcomes.wrong_schema_id).toEqual(new Set(["CHURN_SCHEMA_NOT_FOUND"]));
    expect(
      [...outcomes.truncated].every((c) => c === "CHURN_WIRE_DECODE_FAILED" || c === "CHURN_WIRE_TRUNCATED"),
    ).toBe(true);
    expect(outcomes.truncated.size).toBeGreaterThan(0);
  });
});
