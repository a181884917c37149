/**
 * Trains a candidate on a worker thread (node:worker_threads), so that the process's event loop
 * keeps serving while the GBDT fits: the demo retrains next to its stream stages, API and
 * dashboard. One short-lived worker per call; the table goes over as typed arrays (no warehouse
 * handle crosses threads), the candidate comes back as plain data, errors as the same typed
 * errors `trainCandidate` throws in-thread.
 */
import { fileURLToPath } from "node:url";
import { type ResourceLimits, Worker } from "node:worker_threads";
import type { Candidate } from "../candidate.js";
import type { TrainingTable } from "../dataset.js";
import type { TrainingOptions } from "../options.js";
import { encodeTable, fromWireError, type TrainReply, type TrainRequest } from "./wire.js";

/** Options of {@link trainCandidateInWorker}. */
export interface TrainInWorkerOptions {
  /** Aborting terminates the worker; the call then rejects with `signal.reason` once the thread is gone. */
  signal?: AbortSignal;
  /**
   * Heap limits of the worker thread. A fit that exceeds them fails (ERR_WORKER_OUT_OF_MEMORY)
   * without taking the process down. V8's --max-old-space-size (e.g. in NODE_OPTIONS) is
   * process-wide and overrides maxOldGenerationSizeMb. @default Node's defaults
   */
  resourceLimits?: ResourceLimits;
}

/**
 * The worker's entry beside this module: `entry.js` in the compiled dist/, `entry.ts` under tsx
 * or vitest, where the thread first registers tsx's loader (a worker does not inherit it).
 */
function startWorker(request: TrainRequest, transfer: ArrayBuffer[], options: TrainInWorkerOptions): Worker {
  const fromSource = fileURLToPath(import.meta.url).endsWith(".ts");
  const entry = new URL(fromSource ? "./entry.ts" : "./entry.js", import.meta.url);
  const common = {
    name: "churnstream-train",
    workerData: request,
    transferList: transfer,
    ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
  };
  if (!fromSource) return new Worker(entry, common);
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...common, eval: true });
}

/**
 * Trains a candidate like {@link trainCandidate}, on a worker thread. `table` is copied to the
 * worker and stays usable.
 * @throws ChurnError CHURN_TRAIN_EMPTY / CHURN_TRAIN_TOO_SMALL / CHURN_TRAIN_ONE_CLASS from the split,
 * as in-thread; the worker's own failure (out of memory, a crash) as that error; `signal.reason`
 * when aborted
 */
export async function trainCandidateInWorker(
  table: TrainingTable,
  options: TrainingOptions,
  workerOptions: TrainInWorkerOptions = {},
): Promise<Candidate> {
  const { signal } = workerOptions;
  signal?.throwIfAborted();
  const encoded = encodeTable(table);
  const worker = startWorker({ table: encoded.table, options }, encoded.transfer, workerOptions);
  return new Promise<Candidate>((resolve, reject) => {
    let settled = false;
    let aborted = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      outcome();
    };
    // Settled on "exit", so that an aborted call returns once the thread is gone.
    const onAbort = (): void => {
      aborted = true;
      void worker.terminate();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.once("message", (reply: TrainReply) => {
      if (aborted) return;
      settle(() => (reply.ok ? resolve(reply.candidate) : reject(fromWireError(reply.error))));
    });
    worker.once("error", (error) => {
      if (!aborted) settle(() => reject(error));
    });
    worker.once("exit", (code) =>
      settle(() =>
        reject(
          aborted
            ? signal!.reason
            : new Error(`the training worker exited with code ${code} before it returned a candidate`),
        ),
      ),
    );
  });
}
