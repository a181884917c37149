import type { Command } from "commander";

interface BenchFlags {
  quick?: boolean;
  list?: boolean;
}

/**
 * `churnstream bench [--quick] [case...]`: the benchmark suite (same as `npm run bench`). Each
 * case runs in its own process; results are printed as JSON lines and a Markdown table and
 * appended to bench/results/<date>.json. The Kafka, Redis and ClickHouse cases use the services
 * of the config (`churnstream stack up`).
 */
export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description("run the benchmark cases (throughput, p50/p99, CPU s per million events, peak RSS)")
    .argument("[case...]", "case id prefixes, e.g. features simulator.produce peers (default: all)")
    .option("--quick", "the quick profile (under 2 minutes; the 1M-customer scale case is skipped)")
    .option("--list", "list the cases and exit")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  churnstream bench --quick\n" +
        "  churnstream bench features.scale peers.redis featurestore\n" +
        "See docs/performance.md for the latest table and how to read it.",
    )
    .action(async (cases: string[], flags: BenchFlags) => {
      // Loaded on demand: the cases import every stage of the flow.
      const { caseList, runBench } = await import("../../bench/main.js");
      if (flags.list) {
        console.log(caseList());
        return;
      }
      process.exitCode = await runBench({ quick: flags.quick === true, filters: cases });
    });
}
