import avro from "avsc";
import { describe, expect, it } from "vitest";
import type { CompatibilityLevel } from "../../../schemas/ports.js";
import { checkCompatibility, resolutionError } from "../../../schemas/registry/index.js";

type Field = { name: string; type: unknown; default?: unknown };
const record = (fields: Field[]) =>
  avro.Type.forSchema({ type: "record", name: "Customer", fields } as avro.Schema);

const v1 = record([{ name: "customer_id", type: "string" }]);
const optionalPlan = record([
  { name: "customer_id", type: "string" },
  { name: "plan", type: ["null", "string"], default: null },
]);
const requiredPlan = record([
  { name: "customer_id", type: "string" },
  { name: "plan", type: "string" },
]);
const retyped = record([{ name: "customer_id", type: "int" }]);
const onlyPlan = record([{ name: "plan", type: "string" }]);

const check = (level: CompatibilityLevel, candidate: avro.Type, ...existing: avro.Type[]) =>
  checkCompatibility(
    level,
    candidate,
    existing.map((type, index) => ({ version: index + 1, type })),
  );

describe("resolutionError", () => {
  it("is undefined when the reader can read the writer and names the problem otherwise", () => {
    expect(resolutionError(optionalPlan, v1)).toBeUndefined();
    expect(resolutionError(requiredPlan, v1)).toMatch(/plan|incompatible/i);
  });

  it("accepts Avro's promotions (int → long) but not the reverse", () => {
    const asInt = record([{ name: "n", type: "int" }]);
    const asLong = record([{ name: "n", type: "long" }]);
    expect(resolutionError(asLong, asInt)).toBeUndefined();
    expect(resolutionError(asInt, asLong)).toBeDefined();
  });
});

describe("checkCompatibility", () => {
  it("BACKWARD: accepts an optional field with a default, refuses a required field or a type change", () => {
    expect(check("BACKWARD", optionalPlan, v1).compatible).toBe(true);
    const required = check("BACKWARD", requiredPlan, v1);
    expect(required).toMatchObject({ compatible: false, conflictingVersion: 1 });
    expect(required.reason).toMatch(/cannot read data written with version 1/);
    expect(check("BACKWARD", retyped, v1).compatible).toBe(false);
  });

  it("BACKWARD accepts a removed field (the new reader ignores it)", () => {
    expect(check("BACKWARD", v1, requiredPlan).compatible).toBe(true);
  });

  it("FORWARD: accepts a new required field, refuses removing a field old readers need", () => {
    expect(check("FORWARD", requiredPlan, v1).compatible).toBe(true);
    expect(check("FORWARD", onlyPlan, requiredPlan)).toMatchObject({
      compatible: false,
      conflictingVersion: 1,
    });
  });

  it("FULL: needs both directions", () => {
    expect(check("FULL", optionalPlan, v1).compatible).toBe(true);
    expect(check("FULL", requiredPlan, v1).compatible).toBe(false);
    expect(check("FULL", v1, requiredPlan).compatible).toBe(false);
  });

  it("compares with the latest version only unless the level is transitive", () => {
    // Readable from optionalPlan (has plan) but not from v1 (lacks it; no default now).
    const noDefault = record([
      { name: "customer_id", type: "string" },
      { name: "plan", type: ["null", "string"] },
    ]);
    expect(check("BACKWARD", noDefault, v1, optionalPlan).compatible).toBe(true);
    expect(check("BACKWARD_TRANSITIVE", noDefault, v1, optionalPlan)).toMatchObject({
      compatible: false,
      conflictingVersion: 1,
    });
    expect(check("FULL_TRANSITIVE", noDefault, v1, optionalPlan).compatible).toBe(false);
    // Version 2 (v1) reads it; version 1 (requiredPlan) needs plan, which it lacks.
    const extra = record([
      { name: "customer_id", type: "string" },
      { name: "extra", type: "string" },
    ]);
    expect(check("FORWARD", extra, requiredPlan, v1).compatible).toBe(true);
    expect(check("FORWARD_TRANSITIVE", extra, requiredPlan, v1)).toMatchObject({
      compatible: false,
      conflictingVersion: 1,
    });
  });

  it("NONE and a subject without versions accept anything", () => {
    expect(check("NONE", retyped, v1).compatible).toBe(true);
    expect(check("FULL_TRANSITIVE", retyped).compatible).toBe(true);
  });
});
