/**
 * Every benchmark case, in the order `npm run bench` runs them. Each stage adds one line (its
 * cases array) to CASE_GROUPS; a peer runs right after the case it is compared with.
 */
import type { BenchCase } from "../harness.js";
import { decodeCases } from "./decode.js";
import { featuresCases } from "./features.js";
import { freshnessCases } from "./freshness.js";
import { peerCases } from "./peers.js";
import { scaleCases } from "./scale.js";
import { scoreCases } from "./score.js";
import { serveCases } from "./serve.js";
import { simulatorCases } from "./simulator.js";
import { sinksCases } from "./sinks.js";
import { trainingCases } from "./training.js";

const CASE_GROUPS: readonly (readonly BenchCase[])[] = [
  simulatorCases,
  decodeCases,
  featuresCases,
  freshnessCases,
  scaleCases,
  sinksCases,
  scoreCases,
  trainingCases,
  serveCases,
  peerCases,
];

export const allCases: readonly BenchCase[] = CASE_GROUPS.flat();

/**
 * The `--quick` profile (CI): one headline case per stage and the peers they are compared with,
 * at the cases' quick sizes. The other cases run in the full profile or by name.
 */
export const QUICK_CASES: ReadonlySet<string> = new Set([
  "simulator.generate",
  "simulator.produce.kafka",
  "simulator.produce.peer",
  "decode",
  "features.logic",
  "features.kafka",
  "features.freshness.redis.1k",
  "sinks.insert.duckdb",
  "sinks.insert.clickhouse",
  "peers.clickhouse.insert",
  "score.inference",
  "training.gbdt",
  "serve.customer.redis",
  "peers.serve.http-redis",
  "peers.serve.http-static",
  "eventlog.consume.kafka",
  "peers.kafka.consume.kcat",
]);
