import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { SchemaRegistry } from "../../schemas/ports.js";
import { expectChurnError } from "../support/errors.js";

/**
 * Builds a registry client (a new, empty registry for embedded backends); the suite closes each
 * one it gets. Subjects are unique per run.
 */
export type SchemaRegistryFactory = () => SchemaRegistry | Promise<SchemaRegistry>;

type Field = { name: string; type: unknown; default?: unknown };

/**
 * The behaviour every SchemaRegistry backend must have. Registries that persist (the real one)
 * keep what earlier runs registered, so every run uses its own subjects and record namespace.
 */
export function describeSchemaRegistryContract(name: string, factory: SchemaRegistryFactory): void {
  describe(`SchemaRegistry contract: ${name}`, () => {
    const run = randomUUID().replaceAll("-", "").slice(0, 12);
    const namespace = `contract.r${run}`;
    const open: SchemaRegistry[] = [];
    let counter = 0;

    const registry = async () => {
      const made = await factory();
      open.push(made);
      return made;
    };
    const subject = (label: string) => `contract-${run}-${++counter}-${label}-value`;
    const record = (recordName: string, fields: Field[]) =>
      JSON.stringify({ type: "record", name: recordName, namespace, fields });
    const v1 = (recordName: string) => record(recordName, [{ name: "customer_id", type: "string" }]);
    const withOptional = (recordName: string) =>
      record(recordName, [
        { name: "customer_id", type: "string" },
        { name: "plan", type: ["null", "string"], default: null },
      ]);

    afterEach(async () => {
      await Promise.all(open.splice(0).map((r) => r.close()));
    });

    it("answers ping", async () => {
      await expect((await registry()).ping()).resolves.toBeUndefined();
    });

    it("returns a stable id: the same schema again, even re-indented, gets the same id and no new version", async () => {
      const r = await registry();
      const s = subject("stable");
      const id = await r.register(s, v1("Stable"));
      expect(Number.isInteger(id) && id > 0).toBe(true);
      expect(await r.register(s, v1("Stable"))).toBe(id);
      const reindented = JSON.stringify(JSON.parse(v1("Stable")), null, 2);
      expect(await r.register(s, reindented)).toBe(id);
      expect(await r.latest(s)).toMatchObject({ id, subject: s, version: 1 });
    });

    it("shares ids across subjects for identical schemas and not for different ones", async () => {
      const r = await registry();
      const a = await r.register(subject("global-a"), v1("Global"));
      const b = await r.register(subject("global-b"), v1("Global"));
      const other = await r.register(subject("global-c"), v1("GlobalOther"));
      expect(b).toBe(a);
      expect(other).not.toBe(a);
    });

    it("numbers versions from 1 and serves each by number, by latest and by id", async () => {
      const r = await registry();
      const s = subject("versions");
      const id1 = await r.register(s, v1("Versioned"));
      const id2 = await r.register(s, withOptional("Versioned"));
      expect(id2).not.toBe(id1);
      const latest = await r.latest(s);
      expect(latest).toMatchObject({ id: id2, subject: s, version: 2 });
      expect(JSON.parse(latest.schema)).toEqual(JSON.parse(withOptional("Versioned")));
      expect(await r.getVersion(s, 1)).toMatchObject({ id: id1, subject: s, version: 1 });
      expect(JSON.parse(await r.getById(id1))).toEqual(JSON.parse(v1("Versioned")));
      expect(JSON.parse(await r.getById(id2))).toEqual(JSON.parse(withOptional("Versioned")));
    });

    it("returns an older version's id when it is registered again, without a new version", async () => {
      const r = await registry();
      const s = subject("older");
      const id1 = await r.register(s, v1("Older"));
      await r.register(s, withOptional("Older"));
      expect(await r.register(s, v1("Older"))).toBe(id1);
      expect((await r.latest(s)).version).toBe(2);
    });

    it("accepts v1 → v2 adding an optional field with a default (BACKWARD by default)", async () => {
      const r = await registry();
      const s = subject("evolve");
      await r.register(s, v1("Evolving"));
      expect(await r.isCompatible(s, withOptional("Evolving"))).toBe(true);
      await r.register(s, withOptional("Evolving"));
      expect((await r.latest(s)).version).toBe(2);
    });

    it("refuses a changed field type and a new required field with CHURN_SCHEMA_INCOMPATIBLE", async () => {
      const r = await registry();
      const s = subject("refuse");
      await r.register(s, v1("Refused"));
      const retyped = record("Refused", [{ name: "customer_id", type: "int" }]);
      const required = record("Refused", [
        { name: "customer_id", type: "string" },
        { name: "plan", type: "string" },
      ]);
      expect(await r.isCompatible(s, retyped)).toBe(false);
      expect(await r.isCompatible(s, required)).toBe(false);
      await expectChurnError(r.register(s, retyped), "CHURN_SCHEMA_INCOMPATIBLE");
      await expectChurnError(r.register(s, required), "CHURN_SCHEMA_INCOMPATIBLE");
      expect((await r.latest(s)).version).toBe(1);
    });

    it("accepts anything under NONE", async () => {
      const r = await registry();
      const s = subject("none");
      await r.register(s, v1("Anything"));
      await r.setCompatibility(s, "NONE");
      const retyped = record("Anything", [{ name: "customer_id", type: "int" }]);
      expect(await r.isCompatible(s, retyped)).toBe(true);
      await r.register(s, retyped);
      expect((await r.latest(s)).version).toBe(2);
    });

    it("checks FORWARD the other way round: a new required field passes, a removed one does not", async () => {
      const r = await registry();
      const s = subject("forward");
      await r.register(s, v1("Forward"));
      await r.setCompatibility(s, "FORWARD");
      const added = record("Forward", [
        { name: "customer_id", type: "string" },
        { name: "plan", type: "string" },
      ]);
      await r.register(s, added);
      // Version 2's readers need customer_id, which has no default.
      const removed = record("Forward", [{ name: "plan", type: "string" }]);
      await expectChurnError(r.register(s, removed), "CHURN_SCHEMA_INCOMPATIBLE");
    });

    it("checks every version under BACKWARD_TRANSITIVE and only the latest under BACKWARD", async () => {
      const r = await registry();
      const s = subject("transitive");
      await r.register(s, v1("Transitive"));
      await r.register(s, withOptional("Transitive"));
      // Readable from v2 (which has plan) but not from v1 (which lacks it, and there is no default).
      const v3 = record("Transitive", [
        { name: "customer_id", type: "string" },
        { name: "plan", type: ["null", "string"] },
      ]);
      await r.setCompatibility(s, "BACKWARD_TRANSITIVE");
      expect(await r.isCompatible(s, v3)).toBe(false);
      await expectChurnError(r.register(s, v3), "CHURN_SCHEMA_INCOMPATIBLE");
      await r.setCompatibility(s, "BACKWARD");
      expect(await r.isCompatible(s, v3)).toBe(true);
      await r.register(s, v3);
      expect((await r.latest(s)).version).toBe(3);
    });

    it("treats any valid schema as compatible with a subject that has none", async () => {
      const r = await registry();
      expect(await r.isCompatible(subject("empty"), v1("Empty"))).toBe(true);
    });

    it("refuses an invalid schema with CHURN_SCHEMA_INVALID", async () => {
      const r = await registry();
      const s = subject("invalid");
      await expectChurnError(r.register(s, "{ not json"), "CHURN_SCHEMA_INVALID");
      await expectChurnError(
        r.register(s, JSON.stringify({ type: "record", name: "X" })),
        "CHURN_SCHEMA_INVALID",
      );
      await expectChurnError(r.isCompatible(s, JSON.stringify({ type: "nope" })), "CHURN_SCHEMA_INVALID");
    });

    it("reports unknown ids, subjects and versions with CHURN_SCHEMA_NOT_FOUND", async () => {
      const r = await registry();
      await expectChurnError(r.getById(2_000_000_000), "CHURN_SCHEMA_NOT_FOUND");
      await expectChurnError(r.latest(subject("missing")), "CHURN_SCHEMA_NOT_FOUND");
      const s = subject("one-version");
      await r.register(s, v1("OneVersion"));
      await expectChurnError(r.getVersion(s, 2), "CHURN_SCHEMA_NOT_FOUND");
    });

    it("fails every call after close() with CHURN_SCHEMA_REGISTRY_CLOSED", async () => {
      const r = await registry();
      const s = subject("closed");
      await r.register(s, v1("Closed"));
      await r.close();
      await r.close();
      await expectChurnError(r.register(s, v1("Closed")), "CHURN_SCHEMA_REGISTRY_CLOSED");
      await expectChurnError(r.latest(s), "CHURN_SCHEMA_REGISTRY_CLOSED");
    });
  });
}
