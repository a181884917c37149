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
