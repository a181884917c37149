/** Rewrites the generated column reference of docs/warehouse.md: `npx tsx test/sinks/tables/write-reference.ts`. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../../core/paths.js";
import { warehouseReference } from "../../../sinks/tables/index.js";

const BEGIN = "<!-- BEGIN GENERATED: warehouseReference() -->";
const END = "<!-- END GENERATED -->";
const path = join(projectRoot(), "docs", "warehouse.md");
const text = readFileSync(path, "utf8");
const start = text.indexOf(BEGIN);
const end = text.indexOf(END);
if (start < 0 || end < start) throw new Error(`${path} lacks the ${BEGIN} ... ${END} markers`);
writeFileSync(
  path,
  `${text.slice(0, start + BEGIN.length)}\n\n${warehouseReference()}\n\n${text.slice(end)}`,
);
console.log(`wrote the column reference into ${path}`);
