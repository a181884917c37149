/**
 * The training worker's thread: decodes the table from `workerData`, trains the candidate
 * (split, GBDT, LR baseline, evaluation) and posts one {@link TrainReply}; then the thread ends.
 * Loaded only by {@link trainCandidateInWorker}, never imported.
 */
import { parentPort, workerData } from "node:worker_threads";
import { trainCandidate } from "../candidate.js";
import { buffersOf, decodeTable, type TrainReply, type TrainRequest, toWireError } from "./wire.js";

if (parentPort === null) throw new Error("training/worker/entry runs only as a worker thread");
const port = parentPort;
const request = workerData as TrainRequest;
let reply: TrainReply;
try {
  reply = { ok: true, candidate: trainCandidate(decodeTable(request.table), request.options) };
} catch (error) {
  reply = { ok: false, error: toWireError(error) };
}
try {
  // The candidate's arrays are this thread's last use of them: move them, don't copy.
  port.postMessage(reply, reply.ok ? buffersOf(reply.candidate) : []);
} catch (error) {
  port.postMessage({ ok: false, error: toWireError(error) } satisfies TrainReply);
}
