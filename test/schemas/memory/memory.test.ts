import { describe, expect, it } from "vitest";
import { isChurnError } from "../../../core/errors.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import { describeSchemaRegistryContract } from "../../contract/schema-registry.contract.js";

describeSchemaRegistryContract("memory", () => createMemorySchemaRegistry());

describe("createMemorySchemaRegistry", () => {
  it("allows setting a level before the subject's first version, as Confluent does", async () => {
    const registry = createMemorySchemaRegistry();
    await registry.setCompatibility("early-value", "NONE");
    await registry.register(
      "early-value",
      '{"type":"record","name":"E","fields":[{"name":"a","type":"string"}]}',
    );
    await registry.register(
      "early-value",
      '{"type":"record","name":"E","fields":[{"name":"a","type":"int"}]}',
    );
    expect((await registry.latest("early-value")).version).toBe(2);
  });

  it("uses the configured default level", async () => {
    const registry = createMemorySchemaRegistry({ defaultCompatibility: "NONE" });
    await registry.register("loose-value", '"string"');
    await expect(registry.register("loose-value", '"int"')).resolves.toBeGreaterThan(0);
  });

  it("names the key and the accepted levels for a bad default level", () => {
    let error: unknown;
    try {
      createMemorySchemaRegistry({ defaultCompatibility: "SIDEWAYS" as "NONE" });
    } catch (thrown) {
      error = thrown;
    }
    expect(isChurnError(error, "CHURN_CONFIG_INVALID")).toBe(true);
    expect(String((error as Error).message)).toMatch(
      /schemaRegistry\.memory\.defaultCompatibility = "SIDEWAYS".*BACKWARD/,
    );
  });
});
