import { describe, expect, it } from "vitest";
import { isChurnError } from "../../../core/errors.js";
import { canonicalText, parseSchema, RegistryState } from "../../../schemas/registry/index.js";

const v1 = '{"type":"record","name":"C","fields":[{"name":"id","type":"string"}]}';
const v2 =
  '{"type":"record","name":"C","fields":[{"name":"id","type":"string"},{"name":"plan","type":["null","string"],"default":null}]}';
const retyped = '{"type":"record","name":"C","fields":[{"name":"id","type":"int"}]}';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("parseSchema / canonicalText", () => {
  it("keeps docs, defaults and key order, drops whitespace", () => {
    const text =
      '{ "type": "record", "name": "C", "doc": "d",\n "fields": [ {"name": "a", "type": "int", "default": 1} ] }';
    expect(parseSchema(text).canonical).toBe(
      '{"type":"record","name":"C","doc":"d","fields":[{"name":"a","type":"int","default":1}]}',
    );
    expect(canonicalText(text)).toBe(parseSchema(text).canonical);
    expect(canonicalText("{ nope")).toBe("{ nope");
  });

  it("refuses non-JSON and invalid Avro with CHURN_SCHEMA_INVALID naming the subject", () => {
    const notJson = thrown(() => parseSchema("{", "s-value"));
    expect(isChurnError(notJson, "CHURN_SCHEMA_INVALID")).toBe(true);
    expect((notJson as Error).message).toMatch(/s-value.*not JSON/);
    const badAvro = thrown(() =>
      parseSchema('{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}'),
    );
    expect(isChurnError(badAvro, "CHURN_SCHEMA_INVALID")).toBe(true);
  });
});

describe("RegistryState", () => {
  it("hands out ids from 1, shared by identical schemas across subjects", () => {
    const state = new RegistryState();
    expect(state.register("a-value", v1)).toEqual({ id: 1, version: 1, created: true });
    expect(state.register("b-value", ` ${v1}\n`)).toEqual({ id: 1, version: 1, created: true });
    expect(state.register("a-value", v2)).toEqual({ id: 2, version: 2, created: true });
    expect(state.register("a-value", v1)).toEqual({ id: 1, version: 1, created: false });
    expect(state.subjects()).toEqual(["a-value", "b-value"]);
    expect(state.versionNumbers("a-value")).toEqual([1, 2]);
    expect(state.latest("a-value")).toEqual({ id: 2, subject: "a-value", version: 2, schema: v2 });
    expect(state.version("a-value", 1).schema).toBe(v1);
    expect(state.schemaById(2)).toBe(v2);
  });

  it("refuses an incompatible version with the level and the conflicting version, and keeps no trace of it", () => {
    const state = new RegistryState();
    state.register("a-value", v1);
    const error = thrown(() => state.register("a-value", retyped));
    expect(isChurnError(error, "CHURN_SCHEMA_INCOMPATIBLE")).toBe(true);
    expect((error as Error).message).toMatch(/'a-value' \(compatibility BACKWARD\).*version 1/);
    expect(state.versionNumbers("a-value")).toEqual([1]);
    // The refused schema got no id: the next one registered is 2.
    expect(state.register("other-value", retyped).id).toBe(2);
  });

  it("applies per-subject levels, settable before the first version, and a changeable default", () => {
    const state = new RegistryState({ defaultCompatibility: "FULL" });
    expect(state.compatibility("x-value")).toBe("FULL");
    state.setCompatibility("x-value", "NONE");
    expect(state.subjects()).toEqual([]);
    state.register("x-value", v1);
    expect(state.register("x-value", retyped).version).toBe(2);
    state.setCompatibility(undefined, "NONE");
    expect(state.compatibility("y-value")).toBe("NONE");
    expect(state.compatibility("x-value")).toBe("NONE");
  });

  it("tests compatibility without registering", () => {
    const state = new RegistryState();
    expect(state.test("a-value", retyped).compatible).toBe(true);
    state.register("a-value", v1);
    expect(state.test("a-value", retyped).compatible).toBe(false);
    expect(state.test("a-value", v2).compatible).toBe(true);
    expect(state.versionNumbers("a-value")).toEqual([1]);
  });

  it("reports unknown ids, subjects and versions with CHURN_SCHEMA_NOT_FOUND", () => {
    const state = new RegistryState();
    state.register("a-value", v1);
    for (const run of [
      () => state.schemaById(7),
      () => state.latest("b-value"),
      () => state.version("a-value", 2),
      () => state.version("a-value", 0),
      () => state.versionNumbers("b-value"),
    ]) {
      expect(isChurnError(thrown(run), "CHURN_SCHEMA_NOT_FOUND")).toBe(true);
    }
  });
});
