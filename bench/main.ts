/**
 * `npm run bench [-- --quick] [case-prefix...]`: runs the benchmark cases (all, or those whose
 * id starts with one of the prefixes), each in its own process, and prints a JSON line and a
 * Markdown row per case. Exits 1 when a case failed.
 */
import { fileURLToPath } from "node:url";
import { allCases } from "./cases/index.js";
import {
  appendResults,
  type BenchResult,
  MARKDOWN_HEADER,
  markdownRow,
  runChild,
  runInChild,
} from "./harness.js";

const entry = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const quick = args.includes("--quick");

async function main(): Promise<number> {
  const childAt = args.indexOf("--child");
  if (childAt >= 0) {
    const id = args[childAt + 1];
    const benchCase = allCases.find((c) => c.id === id);
    if (benchCase === undefined) throw new Error(`unknown bench case ${id}`);
    await runChild(benchCase, quick);
    return 0;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log("usage: npm run bench -- [--quick] [case-prefix...]\ncases:");
    for (const c of allCases) console.log(`  ${c.id.padEnd(34)} ${c.backend.padEnd(9)} ${c.description}`);
    return 0;
  }
  const filters = args.filter((a) => !a.startsWith("--"));
  const selected = allCases.filter((c) => filters.length === 0 || filters.some((f) => c.id.startsWith(f)));
  if (selected.length === 0) {
    console.error(`no bench case matches ${filters.join(", ")}; run with --help for the list`);
    return 1;
  }
  const results: BenchResult[] = [];
  const rows: string[] = [];
  for (const benchCase of selected) {
    const result = await runInChild(entry, benchCase, quick);
    results.push(result);
    rows.push(markdownRow(result));
    console.log(JSON.stringify(result));
  }
  console.log(`\n${MARKDOWN_HEADER}\n${rows.join("\n")}`);
  const file = appendResults(fileURLToPath(new URL("./results/", import.meta.url)), results);
  console.log(`\nresults appended to ${file}`);
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

process.exitCode = await main();
