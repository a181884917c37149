import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { errorMessage } from "../../../core/errors.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import { describeSchemaRegistryContract } from "../../contract/schema-registry.contract.js";
import { nativeServiceAddresses } from "../../support/services.js";

const { schemaRegistryUrl } = nativeServiceAddresses();

beforeAll(async () => {
  const probe = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
  try {
    await probe.ping();
  } catch (error) {
    throw new Error(
      `no Confluent-compatible schema registry at ${schemaRegistryUrl} (${errorMessage(error)}); ` +
        "run `churnstream stack up` (or set CHURNSTREAM_IT_SCHEMA_REGISTRY_URL)",
    );
  } finally {
    await probe.close();
  }
});

describeSchemaRegistryContract(`confluent REST at ${schemaRegistryUrl}`, () =>
  createConfluentSchemaRegistry({ url: schemaRegistryUrl }),
);

describe("confluent REST registry shared by several clients", () => {
  it("serves an id and a subject to a client that did not register them", async () => {
    const subject = `it-${randomUUID()}-value`;
    const schema = JSON.stringify({
      type: "record",
      name: "Shared",
      namespace: `it.r${randomUUID().replaceAll("-", "")}`,
      fields: [{ name: "customer_id", type: "string" }],
    });
    const writer = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
    const reader = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
    try {
      const id = await writer.register(subject, schema);
      expect(JSON.parse(await reader.getById(id))).toEqual(JSON.parse(schema));
      expect(await reader.latest(subject)).toMatchObject({ id, subject, version: 1 });
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});
