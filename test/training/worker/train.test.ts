/**
 * trainCandidateInWorker: the same candidate as trainCandidate in-thread, the same typed errors,
 * a dying worker reported as an error, and an abort that ends the thread.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import { trainCandidate } from "../../../training/candidate.js";
import { simulateTrainingTable } from "../../../training/experiment.js";
import { compileTrainingOptions } from "../../../training/options.js";
import { trainCandidateInWorker } from "../../../training/worker/index.js";
import {
  buffersOf,
  decodeTable,
  encodeTable,
  fromWireError,
  toWireError,
} from "../../../training/worker/wire.js";

const table = simulateTrainingTable({ customers: 400, days: 70, seed: 3 }).table;
const options = compileTrainingOptions({ minRows: 500, gbdt: { maxRounds: 30 } });

describe("training worker wire format", () => {
  it("round-trips a table, string columns dictionary-encoded", () => {
    const { table: encoded, transfer } = encodeTable(table);
    expect(transfer).toHaveLength(3);
    expect(encoded.plan.values.length).toBeLessThanOrEqual(4);
    const back = decodeTable(encoded);
    expect(back.customer).toEqual(table.customer);
    expect(back.plan).toEqual(table.plan);
    expect(back.country).toEqual(table.country);
    expect(back.x).toBe(table.x);
  });

  it("keeps a ChurnError's class, code and details across the thread boundary", () => {
    const error = new ChurnError("CHURN_TRAIN_TOO_SMALL", "too small", { details: { rows: 3 } });
    const back = structuredClone(toWireError(error));
    const revived = fromWireError(back);
    expect(revived).toBeInstanceOf(ChurnError);
    expect(revived).toMatchObject({
      code: "CHURN_TRAIN_TOO_SMALL",
      message: "too small",
      details: { rows: 3 },
    });
    expect(fromWireError(toWireError(new RangeError("bad width")))).toMatchObject({
      name: "RangeError",
      message: "bad width",
    });
  });

  it("finds each typed array's buffer once", () => {
    const a = new Float32Array(4);
    expect(buffersOf({ a, b: [a.subarray(1), { c: new Uint8Array(2) }], d: [1, 2] })).toHaveLength(2);
  });
});

describe("trainCandidateInWorker", () => {
  it("returns the candidate trainCandidate builds in-thread, and leaves the table usable", async () => {
    const inThread = trainCandidate(table, options);
    const inWorker = await trainCandidateInWorker(table, options);
    expect(inWorker.model).toEqual(inThread.model);
    expect(inWorker.evaluation).toEqual(inThread.evaluation);
    expect(Array.from(inWorker.validScores)).toEqual(Array.from(inThread.validScores));
    expect(inWorker.split.window).toEqual(inThread.split.window);
    expect(table.x.length).toBe(table.n * table.features.length);
  }, 60_000);

  it("rejects with the split's typed error, as in-thread", async () => {
    const tooSmall = compileTrainingOptions({ minRows: 10_000_000 });
    const error = await trainCandidateInWorker(table, tooSmall).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChurnError);
    expect(error).toMatchObject({ code: "CHURN_TRAIN_TOO_SMALL", details: { minRows: 10_000_000 } });
  }, 60_000);

  it("rejects when the worker dies (its heap limit), and the process lives on", () => {
    // In a child without NODE_OPTIONS: --max-old-space-size there would override resourceLimits.
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./out-of-memory.child.ts", import.meta.url))],
      { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" }, timeout: 60_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout.trim().split("\n").at(-1)!)).toEqual({
      rejected: true,
      isError: true,
      code: "ERR_WORKER_OUT_OF_MEMORY",
    });
  }, 60_000);

  it("an abort terminates the worker and rejects with the signal's reason", async () => {
    const slow = compileTrainingOptions({ minRows: 500, gbdt: { maxRounds: 5_000, earlyStoppingRounds: 0 } });
    const controller = new AbortController();
    const training = trainCandidateInWorker(table, slow, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("shutting down")), 1_000);
    const started = performance.now();
    await expect(training).rejects.toThrow("shutting down");
    expect(performance.now() - started).toBeLessThan(5_000);
  }, 60_000);
});
