/**
 * What a sink does with a batch of records, separate from the plumbing (consume, insert, retry,
 * commit) that the runner does for every sink alike.
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import type { Row, TableSpec } from "../ports.js";

/** The sinks `churnstream sink` runs. */
export const SINK_NAMES = ["bronze", "silver", "gold"] as const;
export type SinkName = (typeof SINK_NAMES)[number];

/** A record the sink will not write, for the dead-letter topic. */
export interface DeadLetterEntry {
  readonly record: LogRecord;
  /** A ChurnError code, e.g. CHURN_WIRE_BAD_MAGIC. */
  readonly code: string;
  readonly reason: string;
  readonly schemaId: number | null;
}

/** A row with the record it came from (to dead-letter the record if the row is refused). */
export interface SourcedRow {
  readonly row: Row;
  readonly record: LogRecord;
}

/** What one batch becomes: rows per table, and the records that go to the dead-letter topic. */
export interface StageOutput {
  readonly rows: ReadonlyMap<string, SourcedRow[]>;
  readonly deadLetters: readonly DeadLetterEntry[];
}

export interface SinkStage {
  readonly name: SinkName;
  /** Topics the sink's consumer group subscribes to. */
  readonly topics: readonly string[];
  /** Tables it writes (rows are checked against them before the insert). */
  readonly tables: readonly TableSpec[];
  /**
   * Turns records into rows. Deterministic for given records (except `ingested_at_ms`), so a
   * retry or a replay writes the same rows. Bad records become dead letters, never errors.
   * @throws ChurnError retryable only (e.g. the schema registry is down): the runner retries.
   */
  process(records: readonly LogRecord[], ingestedAtMs: number): Promise<StageOutput>;
}

/** Collects rows per table in the order they were added. */
export class RowCollector {
  readonly rows = new Map<string, SourcedRow[]>();
  readonly deadLetters: DeadLetterEntry[] = [];

  add(table: string, row: Row, record: LogRecord): void {
    let list = this.rows.get(table);
    if (list === undefined) {
      list = [];
      this.rows.set(table, list);
    }
    list.push({ row, record });
  }

  reject(entry: DeadLetterEntry): void {
    this.deadLetters.push(entry);
  }

  output(): StageOutput {
    return { rows: this.rows, deadLetters: this.deadLetters };
  }
}

/** A log timestamp (epoch ms) as a `YYYY-MM-DD` UTC day, clamped to the Date range both backends take. */
export function utcDay(ms: number): string {
  const clamped = Math.min(Math.max(ms, 0), Date.UTC(2105, 11, 31));
  return new Date(clamped).toISOString().slice(0, 10);
}
