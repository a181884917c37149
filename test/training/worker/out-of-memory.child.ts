/**
 * Child process of train.test.ts: trains in a worker whose heap limit is far too small and
 * prints how the call ended as one JSON line. Run without --max-old-space-size: that V8 flag is
 * process-wide and overrides a worker's resourceLimits (CI sets it in NODE_OPTIONS).
 */
import { simulateTrainingTable } from "../../../training/experiment.js";
import { compileTrainingOptions } from "../../../training/options.js";
import { trainCandidateInWorker } from "../../../training/worker/index.js";

const table = simulateTrainingTable({ customers: 400, days: 70, seed: 3 }).table;
const options = compileTrainingOptions({ minRows: 500, gbdt: { maxRounds: 30 } });
const outcome = await trainCandidateInWorker(table, options, {
  resourceLimits: { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 },
}).then(
  () => ({ rejected: false }),
  (error: unknown) => ({
    rejected: true,
    isError: error instanceof Error,
    code: (error as { code?: string }).code ?? null,
  }),
);
process.stdout.write(`${JSON.stringify(outcome)}\n`);
