/**
 * The benchmark harness (`npm run bench`). Each case runs in a fresh child process so its CPU
 * time and peak RSS are its own; the parent prints one JSON line and one Markdown table row per
 * case and appends the results to bench/results/<date>.json.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

/** What a case measures; the harness adds CPU, memory and percentiles. */
export interface CaseMeasurement {
  /** Units processed (events, records, rows). */
  events: number;
  /** Wall time of the measured part, seconds. */
  seconds: number;
  /** Latency samples in ms (e.g. per send), when meaningful. */
  latencyMs?: readonly number[];
  /** Percentiles reported by a tool that gives no samples (a peer). */
  percentilesMs?: { p50: number; p99?: number };
  /**
   * CPU seconds of this process during the measured part, when setup (a backfill, topic
   * creation) would otherwise dominate; default: the whole case.
   */
  cpuSeconds?: number;
  /** CPU seconds and peak RSS of the process that did the work, when it is not this one (a peer). */
  external?: { cpuSeconds: number; peakRssMb: number };
  /** Anything else worth keeping (bytes, ratios, digests). */
  extra?: Record<string, unknown>;
}

export interface BenchCase {
  /** Dotted id; the case filter matches its prefix, e.g. `simulator` or `simulator.produce`. */
  id: string;
  /** Backend measured: none (in memory), embedded, kafka, redis, clickhouse, duckdb, peer... */
  backend: string;
  description: string;
  params(quick: boolean): Record<string, unknown>;
  /**
   * Id of the peer case measuring the same work with the underlying system's own tool (e.g.
   * `peers.redis.hset` for our FeatureStore writes); the summary shows throughput as a ratio.
   */
  comparesTo?: string;
  /** On a peer case: the id of our case doing the same work (when that case cannot name its peer). */
  peerFor?: string;
  /** Runs only in the full profile (too slow for `--quick`). @default false */
  fullOnly?: boolean;
  /** V8 old-space limit of the case's child process, MB (--max-old-space-size). @default Node's (≤ 4 GB) */
  heapMb?: number;
  /** Runs in the child process. @throws to mark the case failed */
  run(params: Record<string, unknown>): Promise<CaseMeasurement>;
}

export interface BenchResult {
  case: string;
  backend: string;
  params: Record<string, unknown>;
  events: number;
  seconds: number;
  /** events / seconds */
  throughput: number;
  p50Ms: number | null;
  p99Ms: number | null;
  cpuSecondsPerMillion: number;
  peakRssMb: number;
  extra: Record<string, unknown>;
  at: string;
  machine: string;
  error?: string;
}

/** The machine, in one line, for the results and the README. */
export function machineDescription(): string {
  const list = cpus();
  return `${list.length} × ${list[0]?.model.trim() ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

/** The q-quantile (0..1) of samples, nearest rank. */
export function percentile(samples: readonly number[], q: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Child side: runs one case and prints its result as the last stdout line. */
export async function runChild(benchCase: BenchCase, quick: boolean): Promise<void> {
  const params = benchCase.params(quick);
  const cpuBefore = process.cpuUsage();
  const measurement = await benchCase.run(params);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds =
    measurement.external?.cpuSeconds ?? measurement.cpuSeconds ?? (cpu.user + cpu.system) / 1e6;
  const latency = measurement.latencyMs ?? [];
  const result: BenchResult = {
    case: benchCase.id,
    backend: benchCase.backend,
    params,
    events: measurement.events,
    seconds: round(measurement.seconds, 3),
    throughput: Math.round(measurement.events / measurement.seconds),
    p50Ms: nullableRound(measurement.percentilesMs?.p50 ?? percentile(latency, 0.5)),
    p99Ms: nullableRound(measurement.percentilesMs?.p99 ?? percentile(latency, 0.99)),
    cpuSecondsPerMillion: round((cpuSeconds / Math.max(1, measurement.events)) * 1e6, 2),
    peakRssMb: measurement.external?.peakRssMb ?? Math.round(process.resourceUsage().maxRSS / 1024),
    extra: measurement.extra ?? {},
    at: new Date().toISOString(),
    machine: machineDescription(),
  };
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function nullableRound(value: number | null): number | null {
  return value === null ? null : round(value, 2);
}

/** Parent side: runs a case in a child process (same Node flags, so tsx keeps working). */
export function runInChild(entry: string, benchCase: BenchCase, quick: boolean): Promise<BenchResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        ...(benchCase.heapMb === undefined ? [] : [`--max-old-space-size=${benchCase.heapMb}`]),
        entry,
        "--child",
        benchCase.id,
        ...(quick ? ["--quick"] : []),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("close", (code, signal) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        if (code !== 0) {
          // V8 aborts on heap exhaustion (SIGABRT): say so, the stderr above shows the GC trace.
          throw new Error(
            code === null
              ? `killed by ${signal}${signal === "SIGABRT" ? " (out of memory? see heapMb in bench/harness.ts)" : ""}`
              : `exited with code ${code}`,
          );
        }
        resolve(JSON.parse(last) as BenchResult);
      } catch (error) {
        resolve(failedResult(benchCase, quick, error instanceof Error ? error.message : String(error)));
      }
    });
  });
}

function failedResult(benchCase: BenchCase, quick: boolean, error: string): BenchResult {
  return {
    case: benchCase.id,
    backend: benchCase.backend,
    params: benchCase.params(quick),
    events: 0,
    seconds: 0,
    throughput: 0,
    p50Ms: null,
    p99Ms: null,
    cpuSecondsPerMillion: 0,
    peakRssMb: 0,
    extra: {},
    at: new Date().toISOString(),
    machine: machineDescription(),
    error,
  };
}

export const MARKDOWN_HEADER =
  "| case | backend | parameters | throughput (/s) | p50 ms | p99 ms | CPU s / M events | peak RSS MB |\n" +
  "|---|---|---|---:|---:|---:|---:|---:|";

function showParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
}

export function markdownRow(r: BenchResult): string {
  const dash = (v: number | null) => (v === null ? "–" : String(v));
  if (r.error !== undefined) {
    return `| ${r.case} | ${r.backend} | ${showParams(r.params)} | FAILED: ${r.error} | – | – | – | – |`;
  }
  return `| ${r.case} | ${r.backend} | ${showParams(r.params)} | ${r.throughput.toLocaleString("en-US")} | ${dash(r.p50Ms)} | ${dash(r.p99Ms)} | ${r.cpuSecondsPerMillion} | ${r.peakRssMb} |`;
}

/** One line per case with a peer in `results`: our throughput as a share of the peer's. */
export function peerRatios(cases: readonly BenchCase[], results: readonly BenchResult[]): string[] {
  const lines: string[] = [];
  const pairs = cases.flatMap((c): [string, string][] => [
    ...(c.comparesTo !== undefined ? [[c.id, c.comparesTo] as [string, string]] : []),
    ...(c.peerFor !== undefined ? [[c.peerFor, c.id] as [string, string]] : []),
  ]);
  for (const [oursId, peerId] of pairs) {
    const ours = results.findLast((r) => r.case === oursId && r.error === undefined);
    const peer = results.findLast((r) => r.case === peerId && r.error === undefined);
    if (!ours || !peer || peer.throughput === 0) continue;
    const ratio = ours.throughput / peer.throughput;
    lines.push(
      `| ${oursId} | ${peerId} | ${ours.throughput.toLocaleString("en-US")} | ${peer.throughput.toLocaleString("en-US")} | ${ratio.toFixed(2)} |`,
    );
  }
  return lines.length === 0
    ? []
    : ["| case | peer | ours (/s) | peer (/s) | ours / peer |", "|---|---|---:|---:|---:|", ...lines];
}

/** Appends results to `<dir>/<YYYY-MM-DD>.json` (a JSON array); returns the file. */
export function appendResults(dir: string, results: readonly BenchResult[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().slice(0, 10)}.json`);
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as BenchResult[]) : [];
  writeFileSync(file, `${JSON.stringify([...existing, ...results], null, 2)}\n`);
  return file;
}
