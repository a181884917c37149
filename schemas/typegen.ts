import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { projectRoot } from "../core/paths.js";
import { type RecordName, RecordNames, schemaText } from "./catalog.js";

/**
 * Generates schemas/types.ts from the `.avsc` files, so the TypeScript types can never drift from
 * the published schemas (test/schemas/types.test.ts fails when the committed file is stale).
 * Regenerate with `npm run gen:types`.
 */

type AvroSchema = string | AvroSchema[] | { [key: string]: unknown };

interface Ctx {
  namespace: string | undefined;
  declarations: string[];
  named: Set<string>;
}

const primitives: Record<string, string> = {
  null: "null",
  boolean: "boolean",
  int: "number",
  long: "number",
  float: "number",
  double: "number",
  bytes: "Buffer",
  string: "string",
};

function shortName(name: string): string {
  return name.slice(name.lastIndexOf(".") + 1);
}

function doc(text: unknown, indent: string): string {
  return typeof text === "string" ? `${indent}/** ${text.replace(/\*\//g, "* /")} */\n` : "";
}

function typeOf(schema: AvroSchema, ctx: Ctx): string {
  if (typeof schema === "string") return primitives[schema] ?? shortName(schema);
  if (Array.isArray(schema)) return schema.map((s) => typeOf(s, ctx)).join(" | ");
  const type = schema.type as AvroSchema;
  if (typeof type !== "string") return typeOf(type, ctx);
  switch (type) {
    case "record":
      return declareRecord(schema, ctx);
    case "enum":
      return declareEnum(schema, ctx);
    case "array":
      return `${wrap(typeOf(schema.items as AvroSchema, ctx))}[]`;
    case "map":
      return `Record<string, ${typeOf(schema.values as AvroSchema, ctx)}>`;
    case "fixed":
      return "Buffer";
    default:
      return primitives[type] ?? shortName(type);
  }
}

function wrap(type: string): string {
  return type.includes("|") ? `(${type})` : type;
}

function declareEnum(schema: { [key: string]: unknown }, ctx: Ctx): string {
  const name = shortName(String(schema.name));
  if (!ctx.named.has(name)) {
    ctx.named.add(name);
    const symbols = (schema.symbols as string[]).map((s) => JSON.stringify(s));
    ctx.declarations.push(
      `${doc(schema.doc, "")}export const ${name}Values = [${symbols.join(", ")}] as const;\n` +
        `export type ${name} = (typeof ${name}Values)[number];\n`,
    );
  }
  return name;
}

function declareRecord(schema: { [key: string]: unknown }, ctx: Ctx): string {
  const name = shortName(String(schema.name));
  if (ctx.named.has(name)) return name;
  ctx.named.add(name);
  const lines = (schema.fields as { name: string; type: AvroSchema; doc?: string }[]).map(
    (field) => `${doc(field.doc, "  ")}  ${field.name}: ${typeOf(field.type, ctx)};`,
  );
  ctx.declarations.push(`${doc(schema.doc, "")}export interface ${name} {\n${lines.join("\n")}\n}\n`);
  return name;
}

/** The TypeScript source for all records, deterministic for identical schemas. */
export function renderTypes(schemas: Readonly<Record<RecordName, string>>): string {
  const ctx: Ctx = { namespace: undefined, declarations: [], named: new Set() };
  for (const record of RecordNames) typeOf(JSON.parse(schemas[record]) as AvroSchema, ctx);
  const header =
    "// Generated from schemas/avro/*.avsc by schemas/typegen.ts (`npm run gen:types`). Do not edit.\n" +
    "// Avro longs are JavaScript numbers (avsc rejects values beyond 2^53); timestamp-millis are epoch ms.\n\n";
  return header + ctx.declarations.join("\n");
}

export function currentSchemas(): Record<RecordName, string> {
  return Object.fromEntries(RecordNames.map((r) => [r, schemaText(r)])) as Record<RecordName, string>;
}

export const typesPath = (): string => join(projectRoot(), "schemas", "types.ts");

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(typesPath(), renderTypes(currentSchemas()));
  console.log(`wrote ${typesPath()}`);
}
