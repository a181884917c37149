import { readFileSync } from "node:fs";
import avro from "avsc";
import { describe, expect, it } from "vitest";
import { RecordNames, schemaText } from "../../schemas/catalog.js";
import { currentSchemas, renderTypes, typesPath } from "../../schemas/typegen.js";

describe("schemas/types.ts", () => {
  it("is exactly what the .avsc files generate (run `npm run gen:types` after a schema change)", () => {
    expect(readFileSync(typesPath(), "utf8")).toBe(renderTypes(currentSchemas()));
  });

  it("covers every record with a valid Avro schema", () => {
    const source = readFileSync(typesPath(), "utf8");
    for (const record of RecordNames) {
      expect(() => avro.Type.forSchema(JSON.parse(schemaText(record)) as avro.Schema)).not.toThrow();
      expect(source).toContain(`export interface ${record} {`);
    }
  });

  it("changes when a schema changes (the check can fail)", () => {
    const schemas = currentSchemas();
    const click = JSON.parse(schemas.ClickEvent) as { fields: unknown[] };
    click.fields.push({ name: "extra", type: ["null", "string"], default: null });
    expect(renderTypes({ ...schemas, ClickEvent: JSON.stringify(click) })).toContain("extra: null | string;");
  });
});
