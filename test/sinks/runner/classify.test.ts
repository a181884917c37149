import { describe, expect, it } from "vitest";
import type { LogRecord } from "../../../core/eventlog/ports.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import { bronzeRow } from "../../../sinks/bronze/index.js";
import { churnScoreRow } from "../../../sinks/gold/index.js";
import { checkRows, classifyEvent, classifyScore, scoreProblems } from "../../../sinks/runner/index.js";
import { silverClickRow } from "../../../sinks/silver/index.js";
import { bronzeClickstream, silverClickstreamEvents } from "../../../sinks/tables/index.js";
import { click, score, T0 } from "./fixtures.js";

async function setup() {
  const codec = new AvroCodec(createMemorySchemaRegistry());
  const id = await codec.schemaIdFor("clickstream.v1-value", "ClickEvent");
  const record = (value: Buffer | null, key: string | null = "cu-1", timestamp = T0): LogRecord => ({
    topic: "clickstream.v1",
    partition: 2,
    offset: 41,
    key: key === null ? null : Buffer.from(key),
    value,
    timestamp,
    headers: { trace: Buffer.from("x") },
  });
  return { codec, id, record };
}

describe("classifying and turning records into rows", () => {
  it("a valid click becomes a bronze row without error and a typed silver row", async () => {
    const { codec, id, record } = await setup();
    const event = click("cu-1", T0 + 1_500, { type: "FEATURE_USE", feature: "reports" });
    const r = record(codec.encode("ClickEvent", id, event));
    const verdict = await classifyEvent(codec, "clickstream", r, 86_400_000);
    expect(verdict).toMatchObject({ schemaId: id, rejection: null });
    const row = bronzeRow(r, verdict, 99);
    expect(row).toMatchObject({
      topic: "clickstream.v1",
      kafka_partition: 2,
      kafka_offset: 41,
      kafka_timestamp_ms: T0,
      kafka_date: "2025-03-01",
      record_key: "cu-1",
      value_bytes: r.value!.length,
      headers_json: JSON.stringify({ trace: Buffer.from("x").toString("base64") }),
      schema_id: id,
      event_id: event.event_id,
      event_ts_ms: T0 + 1_500,
      event_type: "FEATURE_USE",
      parse_error_code: "",
      parse_error: "",
      ingested_at_ms: 99,
    });
    expect(Buffer.from(String(row.value_base64), "base64").equals(r.value!)).toBe(true);
    expect(silverClickRow(event, r, id, 99)).toMatchObject({
      event_time: new Date(T0 + 1_500).toISOString(),
      event_date: "2025-03-01",
      feature: "reports",
      source_partition: 2,
      source_offset: 41,
    });
    expect(checkRows(bronzeClickstream, [{ row, record: r }]).refused).toEqual([]);
  });

  it("rejects with the reason: framing, validation, key mismatch, future time", async () => {
    const { codec, id, record } = await setup();
    const reject = async (r: LogRecord) =>
      (await classifyEvent(codec, "clickstream", r, 86_400_000)).rejection?.code;
    expect(await reject(record(null))).toBe("CHURN_WIRE_TRUNCATED");
    expect(await reject(record(Buffer.from("plain text value")))).toBe("CHURN_WIRE_BAD_MAGIC");
    expect(
      await reject(record(codec.encode("ClickEvent", id, click("cu-1", T0, { country: "germany" })))),
    ).toBe("CHURN_PROC_INVALID_EVENT");
    expect(await reject(record(codec.encode("ClickEvent", id, click("cu-1", T0)), "cu-2"))).toBe(
      "CHURN_PROC_KEY_MISMATCH",
    );
    expect(await reject(record(codec.encode("ClickEvent", id, click("cu-1", T0 + 2 * 86_400_000))))).toBe(
      "CHURN_PROC_INVALID_EVENT",
    );
    // A decodable but invalid event still shows its fields in bronze.
    const invalid = record(codec.encode("ClickEvent", id, click("cu-1", T0, { duration_ms: -1 })));
    const row = bronzeRow(invalid, await classifyEvent(codec, "clickstream", invalid, 0), 1);
    expect(row).toMatchObject({ customer_id: "cu-1", parse_error_code: "CHURN_PROC_INVALID_EVENT" });
    expect(String(row.parse_error)).toContain("duration_ms -1 is negative");
    const unframed = bronzeRow(
      record(null, null),
      await classifyEvent(codec, "clickstream", record(null, null), 0),
      1,
    );
    expect(unframed).toMatchObject({
      record_key: "",
      value_base64: "",
      value_bytes: 0,
      schema_id: null,
      event_ts_ms: null,
    });
  });

  it("checks scores and turns them into rows", async () => {
    const codec = new AvroCodec(createMemorySchemaRegistry());
    const id = await codec.schemaIdFor("churn-scores.v1-value", "ChurnScore");
    const s = score("cu-1", T0, {
      reasons: [
        { feature: "a", value: 1, contribution: 0.3 },
        { feature: "b", value: null, contribution: 0.1 },
      ],
    });
    const r: LogRecord = {
      topic: "s",
      partition: 0,
      offset: 3,
      key: Buffer.from("cu-1"),
      value: codec.encode("ChurnScore", id, s),
      timestamp: T0,
      headers: {},
    };
    const verdict = await classifyScore(codec, r);
    expect(verdict.rejection).toBeNull();
    expect(churnScoreRow(verdict.decoded!, r, 5)).toMatchObject({
      customer_id: "cu-1",
      scored_date: "2025-03-01",
      shadow: false,
      top_reasons: "a,b",
      reasons_json: JSON.stringify(s.reasons),
    });
    expect(scoreProblems({ ...s, score: 1.5, customer_id: "" })).toEqual([
      "customer_id is empty",
      "score 1.5 is not a probability in 0..1",
    ]);
    const bad = { ...r, value: codec.encode("ChurnScore", id, { ...s, score: 2 }) };
    expect((await classifyScore(codec, bad)).rejection?.code).toBe("CHURN_SINK_INVALID_RECORD");
  });

  it("a row the warehouse would refuse becomes a dead letter, the others are kept", async () => {
    const { codec, id, record } = await setup();
    const good = click("cu-1", T0);
    const r = record(codec.encode("ClickEvent", id, good));
    // Year 2200: beyond the Date range of both backends.
    const far = { ...silverClickRow(good, r, id, 0), event_date: "2200-01-01" };
    const { rows, refused } = checkRows(silverClickstreamEvents, [
      { row: silverClickRow(good, r, id, 0), record: r },
      { row: far, record: r },
    ]);
    expect(rows).toHaveLength(1);
    expect(refused).toMatchObject([{ code: "CHURN_SINK_BAD_VALUE", schemaId: id }]);
    expect(refused[0]!.reason).toContain("event_date");
  });
});
