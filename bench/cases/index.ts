/** Every benchmark case, in the order `npm run bench` runs them. Stages add their cases here. */
import type { BenchCase } from "../harness.js";
import { featuresCases } from "./features.js";
import { simulatorCases } from "./simulator.js";
import { sinksCases } from "./sinks.js";

export const allCases: readonly BenchCase[] = [...simulatorCases, ...featuresCases, ...sinksCases];
