/**
 * `npm run bench [-- --quick] [case-prefix...]` (also `churnstream bench`): runs the benchmark
 * cases (all, or those whose id starts with one of the prefixes), each in its own process, and
 * prints a JSON line and a Markdown row per case, then our throughput as a ratio of each peer's.
 * Exits 1 when a case failed.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { projectRoot } from "../core/paths.js";
import { allCases, QUICK_CASES } from "./cases/index.js";
import {
  appendResults,
  type BenchResult,
  MARKDOWN_HEADER,
  machineDescription,
  markdownRow,
  peerRatios,
  runChild,
  runInChild,
} from "./harness.js";

const entry = fileURLToPath(import.meta.url);

/** What to run. */
export interface BenchRun {
  /** The `--quick` profile (< 2 min); otherwise the full one (< 15 min). */
  quick: boolean;
  /** Case id prefixes; empty = every case of the profile. */
  filters: readonly string[];
  /** Where results are appended. @default <repo>/bench/results */
  resultsDir?: string;
  /** Output lines. @default console.log */
  print?: (line: string) => void;
}

/** Runs the selected cases in child processes; resolves with the exit code (1 if a case failed). */
export async function runBench(run: BenchRun): Promise<number> {
  const print = run.print ?? ((line: string) => console.log(line));
  const selected = allCases.filter(
    (c) =>
      (run.filters.length === 0 || run.filters.some((f) => c.id.startsWith(f))) &&
      !(run.quick && run.filters.length === 0 && (c.fullOnly || !QUICK_CASES.has(c.id))),
  );
  if (selected.length === 0) {
    print(`no bench case matches ${run.filters.join(", ")}; run with --help for the list`);
    return 1;
  }
  const started = performance.now();
  const results: BenchResult[] = [];
  for (const benchCase of selected) {
    const result = await runInChild(entry, benchCase, run.quick);
    results.push(result);
    print(JSON.stringify(result));
  }
  print(`\n${machineDescription()}; ${run.quick ? "quick" : "full"} profile`);
  print(`\n${MARKDOWN_HEADER}\n${results.map(markdownRow).join("\n")}`);
  const ratios = peerRatios(allCases, results);
  if (ratios.length > 0) print(`\n${ratios.join("\n")}`);
  const file = appendResults(run.resultsDir ?? join(projectRoot(), "bench", "results"), results);
  print(
    `\n${results.length} cases in ${((performance.now() - started) / 1000).toFixed(0)} s; results appended to ${file}`,
  );
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

/** The case list for `--help`. */
export function caseList(): string {
  return allCases
    .map(
      (c) =>
        `  ${c.id.padEnd(34)} ${c.backend.padEnd(10)} ${QUICK_CASES.has(c.id) && !c.fullOnly ? "[quick] " : ""}${c.description}`,
    )
    .join("\n");
}

async function main(args: readonly string[]): Promise<number> {
  const quick = args.includes("--quick");
  const childAt = args.indexOf("--child");
  if (childAt >= 0) {
    const id = args[childAt + 1];
    const benchCase = allCases.find((c) => c.id === id);
    if (benchCase === undefined) throw new Error(`unknown bench case ${id}`);
    await runChild(benchCase, quick);
    return 0;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`usage: npm run bench -- [--quick] [case-prefix...]\ncases:\n${caseList()}`);
    return 0;
  }
  return runBench({ quick, filters: args.filter((a) => !a.startsWith("--")) });
}

// Run as a script (npm run bench, or a case's child process); imported by the CLI otherwise.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
