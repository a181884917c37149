export { DAY_MS, FEATURE_NAMES, HOUR_MS, PLANS } from "./catalog.js";
export { type Burst, badValueEvent, emptyFaultCounts, FaultInjector, type IdleWindow } from "./faults.js";
export { HEALTH_SLOPE, HORIZON_DAYS, type Oracle } from "./health.js";
export {
  compileSimulatorOptions,
  type FaultOptions,
  type ModelOptions,
  NO_FAULTS,
  type SimulatorOptions,
  type SimulatorOptionsInput,
  simulatorOptionsSchema,
  startTsOf,
} from "./options.js";
export { byArrival, type EventCounts } from "./records.js";
export { intensityAt } from "./seasonality.js";
export type { GlobalShock } from "./shocks.js";
export { type SimulatedDay, Simulator, type SimulatorRunOptions } from "./simulator.js";
export { type ChurnStats, churnStats } from "./stats.js";
export * from "./types.js";
export { billingEventProblems, clickEventProblems, MIN_VALID_TS } from "./validity.js";
export { customerId } from "./world.js";
