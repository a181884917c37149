export { type TrainInWorkerOptions, trainCandidateInWorker } from "./train.js";
