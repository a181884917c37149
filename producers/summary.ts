/** The closing summary of a simulation run, as data and as the text `simulate` prints. */
import type { ChurnStats, EventCounts, FaultCounts, FaultExposure, Simulator } from "./simulator/index.js";

export interface SimulationSummary {
  seed: number;
  start: string;
  /** Days simulated (backfill, plus live days when live). */
  days: number;
  customers: { initial: number; signups: number; activeAtEnd: number };
  /** Records handed to the sink (events + duplicates + malformed), by topic. */
  records: { total: number; byTopic: Record<string, number>; bytes: number };
  /** Valid events generated, by `topic/TYPE` (duplicates and malformed extras excluded). */
  events: EventCounts;
  faults: FaultCounts;
  exposure: FaultExposure;
  churn: ChurnStats;
  schemaIds: Readonly<Record<string, number>>;
  /** SHA-256 over every produced record (per topic: key, timestamp, value, in order). */
  digest: string;
  elapsedMs: number;
  recordsPerSec: number;
  /** True when stopped before the backfill finished. */
  interrupted: boolean;
  live: boolean;
}

export function buildSummary(input: {
  sim: Simulator;
  churn: ChurnStats;
  records: number;
  byTopic: Record<string, number>;
  bytes: number;
  schemaIds: Readonly<Record<string, number>>;
  digest: string;
  elapsedMs: number;
  interrupted: boolean;
  live: boolean;
}): SimulationSummary {
  const { sim } = input;
  return {
    seed: sim.options.seed,
    start: sim.options.start,
    days: sim.day,
    customers: {
      initial: sim.options.customers,
      signups: sim.customers.length - sim.options.customers,
      activeAtEnd: sim.activeCount,
    },
    records: { total: input.records, byTopic: input.byTopic, bytes: input.bytes },
    events: { ...sim.buffer.counts },
    faults: structuredClone(sim.faults.counts),
    exposure: { ...sim.faults.exposure },
    churn: input.churn,
    schemaIds: input.schemaIds,
    digest: input.digest,
    elapsedMs: input.elapsedMs,
    recordsPerSec: input.elapsedMs > 0 ? Math.round(input.records / (input.elapsedMs / 1000)) : 0,
    interrupted: input.interrupted,
    live: input.live,
  };
}

const n = (value: number): string => value.toLocaleString("en-US");
const pct = (value: number, digits = 2): string => `${(value * 100).toFixed(digits)} %`;

/** The human-readable summary (stdout of `churnstream simulate`). */
export function formatSummary(s: SimulationSummary): string {
  const lines: string[] = [];
  const status = s.interrupted ? " (interrupted)" : "";
  lines.push(`simulated ${s.days} days from ${s.start}, seed ${s.seed}${status}`);
  lines.push(
    `customers      ${n(s.customers.initial)} initial + ${n(s.customers.signups)} signups, ${n(s.customers.activeAtEnd)} active at the end`,
  );
  lines.push(
    `records        ${n(s.records.total)} (${Object.entries(s.records.byTopic)
      .map(([t, c]) => `${t} ${n(c)}`)
      .join(", ")}), ${(s.records.bytes / 1e6).toFixed(1)} MB`,
  );
  lines.push(`throughput     ${n(s.recordsPerSec)} records/s over ${(s.elapsedMs / 1000).toFixed(1)} s`);
  lines.push("events by type");
  for (const [type, count] of Object.entries(s.events).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${type.padEnd(34)} ${n(count).padStart(12)}`);
  }
  const f = s.faults;
  const malformed = Object.values(f.malformed).reduce((a, b) => a + b, 0);
  lines.push("faults injected");
  lines.push(`  out-of-order ${n(f.outOfOrder)}, late ${n(f.late)}, duplicates ${n(f.duplicate)}`);
  lines.push(
    `  malformed ${n(malformed)} (${Object.entries(f.malformed)
      .map(([k, c]) => `${k} ${n(c)}`)
      .join(", ")})`,
  );
  lines.push(
    `  bursts ${n(f.bursts)} (${n(f.burstEvents)} events), idle partition windows ${n(f.idleWindows)} (${n(f.idleHeldEvents)} events held)`,
  );
  const c = s.churn;
  lines.push(
    `churners       ${n(c.churners)} (voluntary ${n(c.byKind.voluntary)}, no warning ${n(c.byKind.no_warning)}, involuntary ${n(c.byKind.involuntary)}); monthly churn ${pct(c.monthlyChurnRate)}`,
  );
  lines.push(
    c.classBalance.rows > 0
      ? `class balance  ${pct(c.classBalance.positiveShare)} positive of ${n(c.classBalance.rows)} customer-days (${c.classBalance.horizonDays}-day horizon)`
      : `class balance  n/a (needs more than ${c.classBalance.horizonDays} simulated days)`,
  );
  lines.push(
    `schema ids     ${Object.entries(s.schemaIds)
      .map(([t, id]) => `${t}=${id}`)
      .join(" ")}`,
  );
  lines.push(`digest         sha256:${s.digest}`);
  return lines.join("\n");
}
