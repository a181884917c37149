/**
 * Keeps gold_customer_daily up to date from silver: every `materializeIntervalMs` it writes the
 * days that closed since (a day is closed once silver's newest event time minus the allowed
 * lateness has passed its end) and rewrites, from the earliest one, the days whose silver counts
 * changed since they were written (late events). Rows are a pure function of silver, so a
 * rewrite, a crash or a second instance never changes what queries return.
 *
 * State: the fold in memory, positioned at the first unwritten day. A restart (or a late event)
 * refolds silver from its first event, writing only the days that need it; what was written is
 * read back from gold_customer_daily_progress, written after each day's rows (insert, then
 * "commit").
 */
import type { ChurnError } from "../../../core/errors.js";
import type { Logger } from "../../../core/logger.js";
import type { Row, Warehouse } from "../../ports.js";
import type { SinkMetrics } from "../../runner/metrics.js";
import type { GoldOptions, SinkRetryOptions } from "../../runner/options.js";
import { retryForever } from "../../runner/retry.js";
import { sql } from "../../sql.js";
import { goldCustomerDailyProgress, goldCustomerDailyRows } from "../../tables/index.js";
import type { LogicOptions } from "./features.js";
import { type ClosedDay, compareFoldEvents, DAY_MS, DailyFold, dayText, retractionRow } from "./fold.js";
import { type DayCounts, silverBounds, silverDayCounts, silverEvents, writtenDays } from "./silver-reader.js";

export interface DailyMaterializerDeps {
  readonly warehouse: Warehouse;
  readonly metrics: SinkMetrics;
  readonly logger?: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface DailyMaterializerOptions {
  /** The online processor's logic options: the same windows, sessions and lateness. */
  readonly logic: LogicOptions;
  readonly gold: GoldOptions;
  readonly retry: SinkRetryOptions;
}

/** Rows per insert of gold_customer_daily. */
const ROWS_PER_WRITE = 50_000;

/** Result of one pass, for tests and logs. */
export interface DailyPassResult {
  /** Days written in this pass (first..last), or null when nothing was due. */
  readonly written: { readonly from: string; readonly to: string; readonly rows: number } | null;
  /** True when the pass refolded silver from its first event. */
  readonly refolded: boolean;
}

export class DailyMaterializer {
  readonly #deps: DailyMaterializerDeps;
  readonly #options: DailyMaterializerOptions;
  #fold: DailyFold | null = null;
  #foldFromDay = Number.NaN;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = false;
  #failure: ((error: unknown) => void) | undefined;

  constructor(deps: DailyMaterializerDeps, options: DailyMaterializerOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  /** Runs a pass now and then every `materializeIntervalMs`; `onFailure` gets a non-retryable error. */
  start(onFailure: (error: unknown) => void): void {
    this.#failure = onFailure;
    this.#schedule(0);
  }

  /** Stops scheduling and waits for the pass in progress (it gives up retrying). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running.catch(() => {});
  }

  /**
   * One pass: writes every closed day that is not written yet or whose silver changed.
   * @throws ChurnError non-retryable (e.g. a missing table), or the last retryable one when stopped
   */
  runOnce(): Promise<DailyPassResult> {
    const run = this.#running.catch(() => {}).then(() => this.#retry(() => this.#pass()));
    this.#running = run;
    return run;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.runOnce().then(
        () => this.#schedule(this.#options.gold.materializeIntervalMs),
        (error: unknown) => {
          if (this.#stopped) return;
          this.#failure?.(error);
        },
      );
    }, delayMs);
  }

  #retry<T>(operation: () => Promise<T>): Promise<T> {
    return retryForever(operation, {
      retry: this.#options.retry,
      stopped: () => this.#stopped,
      onRetry: (error: ChurnError, attempt, waitMs) => {
        this.#deps.metrics.retried(error.code);
        this.#deps.logger?.warn(
          { err: error.message, attempt, retryInMs: waitMs },
          "gold_customer_daily pass failed; retrying",
        );
      },
    });
  }

  async #pass(): Promise<DailyPassResult> {
    const wh = this.#deps.warehouse;
    const nothing: DailyPassResult = { written: null, refolded: false };
    const bounds = await silverBounds(wh);
    if (bounds === null) return nothing;
    const fromDay = this.#options.gold.dailyFromDay
      ? Math.floor(Date.parse(`${this.#options.gold.dailyFromDay}T00:00:00Z`) / DAY_MS)
      : bounds.firstClickDay;
    if (fromDay === null) return nothing;
    // Day D is closed once its last millisecond is at or before the watermark.
    const watermark = bounds.maxTs - this.#options.logic.allowedLatenessMs;
    const lastClosedDay = Math.floor((watermark + 1) / DAY_MS) - 1;
    if (lastClosedDay < bounds.firstDay) return nothing;
    const counts = await silverDayCounts(wh, lastClosedDay);
    const written = await writtenDays(wh);
    const writeFrom = firstDayToWrite(counts, written, bounds.firstDay);
    if (writeFrom > lastClosedDay) return nothing;
    // Continue the fold in memory when it stands exactly at the first day to write.
    let foldFrom = writeFrom;
    let refolded = false;
    if (this.#fold === null || this.#fold.openDay !== writeFrom || this.#foldFromDay !== fromDay) {
      refolded = this.#fold !== null;
      if (refolded) this.#deps.metrics.dailyRefold();
      this.#fold = new DailyFold(this.#options.logic, fromDay);
      this.#foldFromDay = fromDay;
      foldFrom = bounds.firstDay;
    }
    const lastWritten = written.size === 0 ? Number.NEGATIVE_INFINITY : Math.max(...written.keys());
    try {
      const rows = await this.#foldAndWrite(
        this.#fold,
        foldFrom,
        writeFrom,
        lastClosedDay,
        counts,
        lastWritten,
      );
      return { written: { from: dayText(writeFrom), to: dayText(lastClosedDay), rows }, refolded };
    } catch (error) {
      // The fold ran ahead of what was written: start over next time.
      this.#fold = null;
      throw error;
    }
  }

  async #foldAndWrite(
    fold: DailyFold,
    foldFrom: number,
    writeFrom: number,
    lastDay: number,
    counts: ReadonlyMap<number, DayCounts>,
    lastWritten: number,
  ): Promise<number> {
    let pending: ClosedDay[] = [];
    let pendingRows = 0;
    let total = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      await this.#write(pending, lastWritten);
      total += pendingRows;
      pending = [];
      pendingRows = 0;
    };
    for (const [from, to] of chunks(foldFrom, lastDay, counts, this.#options.gold.foldChunkEvents)) {
      const events = await silverEvents(this.#deps.warehouse, from, to);
      events.sort(compareFoldEvents);
      const closed: ClosedDay[] = [];
      for (const event of events) fold.push(event, closed);
      // Days of the range without events still close (customers' windows move on).
      if (fold.openDay === null) continue;
      fold.closeThrough(to, closed);
      for (const day of closed) {
        if (day.day < writeFrom) continue;
        pending.push(day);
        pendingRows += day.rows.length;
        if (pendingRows >= ROWS_PER_WRITE) await flush();
      }
    }
    await flush();
    return total;
  }

  /**
   * Writes the rows of closed days (retracting rows an earlier pass wrote for customers that are
   * no longer active on a rewritten day), then their progress records.
   */
  async #write(days: readonly ClosedDay[], lastWritten: number): Promise<void> {
    const wh = this.#deps.warehouse;
    const rows: Row[] = days.flatMap((d) => d.rows);
    const first = days[0]!.day;
    const last = Math.min(days[days.length - 1]!.day, lastWritten);
    if (first <= last) {
      const fresh = new Set(rows.map((r) => `${r.day}|${r.customer_id}`));
      const before = await this.#retry(() =>
        wh.query<{ day: string; customer_id: string }>(
          sql`SELECT day, customer_id FROM ${wh.latest(goldCustomerDailyRows.name)}
            WHERE day >= ${dayText(first)} AND day <= ${dayText(last)} AND is_active = 1`,
        ),
      );
      for (const { day, customer_id } of before) {
        if (!fresh.has(`${day}|${customer_id}`)) rows.push(retractionRow(day, customer_id));
      }
    }
    const now = (this.#deps.now ?? Date.now)();
    const progress: Row[] = days.map((d) => ({
      day: dayText(d.day),
      clickstream_events: d.clickstreamEvents,
      billing_events: d.billingEvents,
      customers: d.rows.length,
      materialized_at_ms: now,
    }));
    await this.#retry(() => wh.insert(goldCustomerDailyRows.name, rows));
    await this.#retry(() => wh.insert(goldCustomerDailyProgress.name, progress));
    this.#deps.metrics.rowsWritten(goldCustomerDailyRows.name, rows.length);
    this.#deps.metrics.dailyDays(days.length);
    this.#deps.logger?.debug(
      { from: dayText(first), to: dayText(days[days.length - 1]!.day), rows: rows.length },
      "gold_customer_daily days written",
    );
  }

  /** For logs: where the fold stands. */
  describe(): string {
    return this.#fold?.openDay == null ? "no fold" : `next day ${dayText(this.#fold.openDay)}`;
  }
}

/**
 * The first day to (re)write: the earliest written day whose silver counts changed, else the
 * day after the last written one, else the first day of silver.
 */
export function firstDayToWrite(
  counts: ReadonlyMap<number, DayCounts>,
  written: ReadonlyMap<number, DayCounts>,
  firstDay: number,
): number {
  if (written.size === 0) return firstDay;
  const lastWritten = Math.max(...written.keys());
  const days = new Set([...counts.keys(), ...written.keys()].filter((d) => d <= lastWritten));
  let dirty = Number.POSITIVE_INFINITY;
  for (const day of days) {
    const a = counts.get(day) ?? { clickstream: 0, billing: 0 };
    const b = written.get(day);
    // A day never written (before the first written one, e.g. after a fromDay change) is dirty too.
    if (b === undefined || a.clickstream !== b.clickstream || a.billing !== b.billing)
      dirty = Math.min(dirty, day);
  }
  if (Math.min(...written.keys()) > firstDay) dirty = Math.min(dirty, firstDay);
  return Math.min(dirty, lastWritten + 1);
}

/** Day ranges covering [from, to], each holding about `maxEvents` silver events at most. */
export function chunks(
  from: number,
  to: number,
  counts: ReadonlyMap<number, DayCounts>,
  maxEvents: number,
): [number, number][] {
  const out: [number, number][] = [];
  let start = from;
  let events = 0;
  // Walk only the days that have events; empty stretches (years of sparse signups) cost nothing.
  const busy = [...counts.keys()].filter((d) => d >= from && d <= to).sort((a, b) => a - b);
  for (const day of busy) {
    const n = (counts.get(day)?.clickstream ?? 0) + (counts.get(day)?.billing ?? 0);
    if (events > 0 && events + n > maxEvents) {
      out.push([start, day - 1]);
      start = day;
      events = 0;
    }
    events += n;
  }
  if (start <= to) out.push([start, to]);
  return out;
}
