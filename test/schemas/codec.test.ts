import { readFileSync } from "node:fs";
import { join } from "node:path";
import avro from "avsc";
import { describe, expect, it } from "vitest";
import { isChurnError } from "../../core/errors.js";
import { projectRoot } from "../../core/paths.js";
import { schemaText, Topics, valueSubject } from "../../schemas/catalog.js";
import { AvroCodec, frame, unframe } from "../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { ClickEvent } from "../../schemas/types.js";

const click: ClickEvent = {
  event_id: "e-1",
  customer_id: "c-42",
  ts: 1_767_225_600_000,
  session_id: "s-1",
  type: "FEATURE_USE",
  page: "/app/reports",
  feature: "reports",
  duration_ms: 1234,
  device: "DESKTOP",
  country: "DE",
};

const subject = valueSubject(Topics.clickstream.name);

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("Confluent framing", () => {
  it("writes magic byte 0, the 4-byte big-endian id, then the body", () => {
    const framed = frame(0x01020304, Buffer.from([9, 8]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 9, 8]);
    expect(unframe(framed)).toEqual({ schemaId: 0x01020304, body: Buffer.from([9, 8]) });
  });

  it("rejects a wrong magic byte and a truncated header with distinct codes", () => {
    expect(() => unframe(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(/magic byte/);
    expect(() => unframe(Buffer.from([0, 0, 0]))).toThrowError(
      expect.objectContaining({ code: "CHURN_WIRE_TRUNCATED" }),
    );
    expect(() => unframe(null)).toThrowError(expect.objectContaining({ code: "CHURN_WIRE_TRUNCATED" }));
  });
});

describe("AvroCodec", () => {
  it("round-trips a record and its bytes match avsc's encoding behind the header", async () => {
    const codec = new AvroCodec(createMemorySchemaRegistry());
    const id = await codec.schemaIdFor(subject, "ClickEvent");
    const bytes = codec.encode("ClickEvent", id, click);
    const plain = avro.Type.forSchema(JSON.parse(schemaText("ClickEvent")) as avro.Schema).toBuffer(click);
    expect(bytes.subarray(5).equals(plain)).toBe(true);
    expect(bytes.readUInt32BE(1)).toBe(id);
    const decoded = await codec.decode("ClickEvent", bytes);
    expect(decoded.schemaId).toBe(id);
    expect({ ...decoded.value }).toEqual(click);
  });

  it("names the invalid field when encoding a bad record", async () => {
    const codec = new AvroCodec(createMemorySchemaRegistry());
    const id = await codec.schemaIdFor(subject, "ClickEvent");
    const bad = { ...click, type: "TELEPORT" } as unknown as ClickEvent;
    expect(() => codec.encode("ClickEvent", id, bad)).toThrowError(/type=TELEPORT/);
  });

  it("rejects an unknown schema id and a corrupt body with typed errors", async () => {
    const codec = new AvroCodec(createMemorySchemaRegistry());
    const id = await codec.schemaIdFor(subject, "ClickEvent");
    const unknown = await caught(codec.decode("ClickEvent", frame(id + 999, Buffer.from([0]))));
    expect(isChurnError(unknown, "CHURN_SCHEMA_NOT_FOUND")).toBe(true);
    const good = codec.encode("ClickEvent", id, click);
    const truncated = await caught(codec.decode("ClickEvent", good.subarray(0, good.length - 4)));
    expect(isChurnError(truncated, "CHURN_WIRE_DECODE_FAILED")).toBe(true);
  });

  it("lets a consumer on v1 read records written with v2 (new optional field with a default)", async () => {
    const registry = createMemorySchemaRegistry();
    const v2Text = readFileSync(join(projectRoot(), "test/fixtures/schemas/click-event.v2.avsc"), "utf8");
    const reader = new AvroCodec(registry);
    await reader.schemaIdFor(subject, "ClickEvent"); // v1 registered first, as in production
    const v2Id = await registry.register(subject, v2Text);
    const v2 = avro.Type.forSchema(JSON.parse(v2Text) as avro.Schema);
    const written = frame(v2Id, v2.toBuffer({ ...click, referrer: "https://example.org" }));
    const decoded = await reader.decode("ClickEvent", written);
    expect(decoded.schemaId).toBe(v2Id);
    expect({ ...decoded.value }).toEqual(click);
    expect("referrer" in decoded.value).toBe(false);
  });

  it("has the registry refuse an incompatible change (a field's type changed)", async () => {
    const registry = createMemorySchemaRegistry();
    const codec = new AvroCodec(registry);
    await codec.schemaIdFor(subject, "ClickEvent");
    const schema = JSON.parse(schemaText("ClickEvent")) as { fields: { name: string; type: unknown }[] };
    const broken = {
      ...schema,
      fields: schema.fields.map((f) =>
        f.name === "duration_ms" ? { name: "duration_ms", type: "string" } : f,
      ),
    };
    const error = await caught(registry.register(subject, JSON.stringify(broken)));
    expect(isChurnError(error, "CHURN_SCHEMA_INCOMPATIBLE")).toBe(true);
  });
});
