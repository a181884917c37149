/**
 * Peers and load for benchmark cases: run an external tool (kcat, redis-benchmark,
 * clickhouse-client, the Kafka JVM tools) under GNU time so its own CPU seconds and peak RSS are
 * reported, and offer a fixed load (events per second) for freshness cases. The scorer and
 * serving cases use `offerLoad` + `LatencyWindow` for event→score and API latencies.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { projectRoot } from "../core/paths.js";

/** What a peer tool printed, and what it cost. */
export interface ToolRun {
  /** stdout and stderr, interleaved as received. */
  output: string;
  /** Wall time of the tool, seconds. */
  seconds: number;
  /** User + system CPU of the tool's process, seconds (GNU time). */
  cpuSeconds: number;
  /** Peak RSS of the tool's process, MiB (GNU time). */
  peakRssMb: number;
}

/**
 * Runs `command args` under /usr/bin/time, feeding `stdin` when given.
 * @throws Error when the tool is missing or exits non-zero (with the end of its output)
 */
export function runTool(
  command: string,
  args: readonly string[],
  stdin?: Iterable<string>,
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "PEER_STATS %M %U %S", command, ...args], {
      stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      // Tools may print a lot (kcat); only the tail matters.
      if (output.length > 1_000_000) output = output.slice(-100_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`${command} exited ${code}: ${output.slice(-500)}`));
      const stats = output.match(/PEER_STATS (\d+) ([\d.]+) ([\d.]+)/);
      resolve({
        output,
        seconds,
        cpuSeconds: stats ? Number(stats[2]) + Number(stats[3]) : 0,
        peakRssMb: stats ? Math.round(Number(stats[1]) / 1024) : 0,
      });
    });
    if (stdin && child.stdin) void writeAll(child.stdin, stdin);
  });
}

async function writeAll(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once("drain", resolve));
  }
  stream.end();
}

/** True when `command` is on PATH. */
export async function hasTool(command: string): Promise<boolean> {
  return runTool("sh", ["-c", `command -v ${command}`]).then(
    () => true,
    () => false,
  );
}

/** The Kafka jars the local stack fetched (ProducerPerformance, ConsumerPerformance). */
export function kafkaLibs(): string {
  const libs = join(projectRoot(), ".churnstream", "kafka", "libs");
  if (!existsSync(libs)) throw new Error(`no Kafka jars in ${libs}: run \`churnstream stack up\` first`);
  return libs;
}

/** Runs a Kafka tool class (org.apache.kafka.tools.*) from the stack's jars with a small heap. */
export function kafkaTool(mainClass: string, args: readonly string[]): Promise<ToolRun> {
  return runTool("java", ["-Xmx256m", "-cp", `${kafkaLibs()}/*`, mainClass, ...args]);
}

/** Options of an offered load. */
export interface OfferedLoad {
  /** Events per second; 0 = as fast as `send` accepts them. */
  rate: number;
  /** How long to offer, seconds (with rate 0: until `maxEvents`). */
  seconds: number;
  /** Stop after this many events. @default Infinity */
  maxEvents?: number;
  /** Events per send at rate 0. @default 5000 */
  batch?: number;
}

/**
 * Calls `send(first, count)` every ~5 ms with the events due at `rate`, so the offered load is
 * independent of how fast the system under test answers (an open-loop generator: latency is not
 * hidden by the generator slowing down). Returns the number of events offered.
 */
export async function offerLoad(
  load: OfferedLoad,
  send: (first: number, count: number) => Promise<void>,
): Promise<{ events: number; seconds: number }> {
  const max = load.maxEvents ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  let sent = 0;
  const pending = new Set<Promise<void>>();
  for (;;) {
    const elapsed = (performance.now() - started) / 1000;
    if (sent >= max || (load.rate > 0 && elapsed >= load.seconds)) break;
    const due =
      load.rate > 0
        ? Math.min(max, Math.floor(elapsed * load.rate)) - sent
        : Math.min(load.batch ?? 5000, max - sent);
    if (due > 0) {
      const inFlight = send(sent, due);
      sent += due;
      // Open loop at a fixed rate: do not wait for the answer unless a lot is in flight.
      if (load.rate === 0) await inFlight;
      else {
        pending.add(inFlight);
        void inFlight.finally(() => pending.delete(inFlight)).catch(() => {});
      }
    }
    if (load.rate > 0) await sleep(5);
  }
  await Promise.all(pending);
  return { events: sent, seconds: (performance.now() - started) / 1000 };
}

/** Latency samples taken only after `open()` (warm-up and backfill excluded). */
export class LatencyWindow {
  readonly samples: number[] = [];
  #from = Number.POSITIVE_INFINITY;

  /** Starts measuring events whose origin time is ≥ now. */
  open(at = Date.now()): void {
    this.#from = at;
  }

  /** Records now − originMs for an event that originated after `open()`. */
  observe(originMs: number, now = Date.now()): void {
    if (originMs >= this.#from) this.samples.push(now - originMs);
  }
}
