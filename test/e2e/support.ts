/**
 * Helpers of the end-to-end retrain → promote → score test: the CLI as a child process, a
 * steady feed of CustomerFeatures records built from simulated gold rows, and the "no scoring
 * gap" analysis of the scores topic against what was produced.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { EventLog, Producer } from "../../core/eventlog/ports.js";
import { projectRoot } from "../../core/paths.js";
import { valueSubject } from "../../schemas/catalog.js";
import type { AvroCodec } from "../../schemas/codec.js";
import type { ChurnScore, CustomerFeatures } from "../../schemas/types.js";
import type { Row } from "../../sinks/ports.js";
import { DAILY_FEATURES } from "../../sinks/tables/index.js";

/** What a CLI run printed and how it ended. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs `churnstream <args>` in a child process. By default from the sources through tsx, as the
 * other CLI process tests do (cli/main.ts is what bin/churnstream.js runs compiled, and a stale
 * dist/ cannot make this test pass or fail); CHURNSTREAM_E2E_CLI=built runs bin/churnstream.js
 * (after `npm run build`). CHURNSTREAM_* variables of the test's environment are not passed on:
 * the arguments alone configure the run.
 */
export function runCli(args: readonly string[], timeoutMs = 180_000): Promise<CliRun> {
  const root = projectRoot();
  const built = process.env.CHURNSTREAM_E2E_CLI === "built";
  const entry = built
    ? [join(root, "bin", "churnstream.js")]
    : ["--import", "tsx", join(root, "cli", "main.ts")];
  if (built && !existsSync(join(root, "dist", "cli", "main.js")))
    throw new Error("CHURNSTREAM_E2E_CLI=built needs dist/: run `npm run build` first");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CHURNSTREAM_")));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`churnstream ${args.join(" ")} did not finish in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** The features record of a gold_customer_daily row, re-stamped with `asOfTs`. */
export function featuresOfDailyRow(row: Row, asOfTs: number): CustomerFeatures {
  const features: Record<string, unknown> = {
    customer_id: String(row.customer_id),
    as_of_ts: asOfTs,
    watermark_ts: asOfTs,
    late_events_absorbed: 0,
  };
  for (const name of DAILY_FEATURES) features[name] = row[name];
  return features as unknown as CustomerFeatures;
}

/**
 * Rounds of feature vectors, each holding every customer active on the last simulated day
 * exactly once (round r: the customer's row from `rounds - 1 - r` days before the last day, or
 * its last-day row): any `customers` consecutive records of the feed cover every customer.
 */
export function featureRounds(daily: readonly Row[], rounds: number): { customers: string[]; pool: Row[] } {
  const days = [...new Set(daily.map((r) => String(r.day)))].sort();
  const recent = days.slice(-rounds);
  const byDay = new Map<string, Map<string, Row>>(recent.map((d) => [d, new Map()]));
  for (const row of daily) byDay.get(String(row.day))?.set(String(row.customer_id), row);
  const last = byDay.get(days.at(-1)!)!;
  const customers = [...last.keys()].sort();
  const pool: Row[] = [];
  for (const day of recent) for (const c of customers) pool.push(byDay.get(day)!.get(c) ?? last.get(c)!);
  return { customers, pool };
}

/** One produced features record and where it landed. */
export interface Produced {
  readonly asOfTs: number;
  readonly customerId: string;
  readonly features: CustomerFeatures;
  readonly partition: number;
  readonly offset: number;
}

/**
 * Produces features records at a steady rate (every tick sends what is due by then) until
 * stopped. Record i carries as_of_ts = baseTs + i, so as_of_ts identifies the record and grows
 * per customer; the vectors cycle through `pool`.
 */
export class FeaturesFeed {
  readonly produced: Produced[] = [];
  #producer: Producer | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #started = 0;

  constructor(
    private readonly log: EventLog,
    private readonly codec: AvroCodec,
    private readonly topic: string,
    private readonly pool: readonly Row[],
    private readonly perSecond: number,
    private readonly baseTs: number,
    private readonly tickMs = 50,
  ) {}

  /** Registers the schema and starts producing. */
  async start(): Promise<void> {
    const schemaId = await this.codec.schemaIdFor(valueSubject(this.topic), "CustomerFeatures");
    this.#producer = this.log.producer();
    this.#running = true;
    this.#started = performance.now();
    this.#loop = this.#run(schemaId);
  }

  /** Records per second produced so far. */
  rate(): number {
    return this.produced.length / Math.max(0.001, (performance.now() - this.#started) / 1000);
  }

  async #run(schemaId: number): Promise<void> {
    const producer = this.#producer!;
    while (this.#running) {
      const due = Math.floor(((performance.now() - this.#started) / 1000) * this.perSecond);
      const batch: CustomerFeatures[] = [];
      for (let i = this.produced.length; i < due; i++) {
        batch.push(featuresOfDailyRow(this.pool[i % this.pool.length]!, this.baseTs + i));
      }
      if (batch.length > 0) {
        const positions = await producer.send(
          this.topic,
          batch.map((f) => ({
            key: f.customer_id,
            value: this.codec.encode("CustomerFeatures", schemaId, f),
          })),
        );
        for (const [i, f] of batch.entries()) {
          const { partition, offset } = positions[i]!;
          this.produced.push({
            asOfTs: f.as_of_ts,
            customerId: f.customer_id,
            features: f,
            partition,
            offset,
          });
        }
      }
      await sleep(this.tickMs);
    }
  }

  /** Stops after the send in flight; idempotent. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.#producer?.close();
    this.#producer = undefined;
  }
}

/** How the champion's scores line up with the produced records. */
export interface ScoringAudit {
  /** Produced records without a champion score. */
  readonly missing: number;
  /** Champion scores beyond one per produced record (repeats or unknown as_of_ts). */
  readonly extra: number;
  /** Per features partition, the versions in offset order with their run lengths. */
  readonly runs: ReadonlyMap<number, { version: string; records: number }[]>;
  /** The champion score of each produced record, by as_of_ts. */
  readonly byAsOf: ReadonlyMap<number, ChurnScore>;
}

/** Matches champion (non-shadow) scores to the produced records, partition by partition. */
export function auditScoring(produced: readonly Produced[], scores: readonly ChurnScore[]): ScoringAudit {
  const byAsOf = new Map<number, ChurnScore>();
  let extra = 0;
  const wanted = new Set(produced.map((p) => p.asOfTs));
  for (const s of scores) {
    if (s.shadow) continue;
    if (!wanted.has(s.features_as_of_ts) || byAsOf.has(s.features_as_of_ts)) extra++;
    else byAsOf.set(s.features_as_of_ts, s);
  }
  const runs = new Map<number, { version: string; records: number }[]>();
  let missing = 0;
  const ordered = [...produced].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const p of ordered) {
    const score = byAsOf.get(p.asOfTs);
    if (score === undefined) {
      missing++;
      continue;
    }
    const list = runs.get(p.partition) ?? [];
    runs.set(p.partition, list);
    const tail = list.at(-1);
    if (tail?.version === score.model_version) tail.records++;
    else list.push({ version: score.model_version, records: 1 });
  }
  return { missing, extra, runs, byAsOf };
}
