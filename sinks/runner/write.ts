/**
 * Writes one processed batch: rows per table, then dead letters. When the warehouse refuses a
 * batch for a bad value (CHURN_SINK_BAD_VALUE: e.g. a date beyond 2105; it validates every row
 * before writing any), the rows are checked one by one with the same validation, the bad ones
 * are dead-lettered and the others written: one bad record never fails a batch.
 */
import { errorMessage, isChurnError } from "../../core/errors.js";
import type { Row, TableSpec, Warehouse } from "../ports.js";
import { normalizeRows } from "../rows.js";
import { schemaIdOf } from "./classify.js";
import type { DeadLetterPublisher } from "./dead-letters.js";
import type { SinkMetrics } from "./metrics.js";
import type { DeadLetterEntry, SinkStage, SourcedRow, StageOutput } from "./stage.js";

export interface WriteDeps {
  readonly warehouse: Warehouse;
  readonly stage: SinkStage;
  readonly deadLetters: DeadLetterPublisher;
  readonly metrics: SinkMetrics;
}

/** Splits rows into the ones the table accepts and dead letters for the others. */
export function checkRows(
  table: TableSpec,
  sourced: readonly SourcedRow[],
): { rows: Row[]; refused: DeadLetterEntry[] } {
  const rows = sourced.map((s) => s.row);
  try {
    normalizeRows(table, rows);
    return { rows, refused: [] };
  } catch (error) {
    if (!isChurnError(error, "CHURN_SINK_BAD_VALUE")) throw error;
  }
  // Rare: find every bad row one by one.
  const good: Row[] = [];
  const refused: DeadLetterEntry[] = [];
  for (const { row, record } of sourced) {
    try {
      normalizeRows(table, [row]);
      good.push(row);
    } catch (error) {
      refused.push({
        record,
        code: "CHURN_SINK_BAD_VALUE",
        reason: errorMessage(error),
        schemaId: schemaIdOf(record.value),
      });
    }
  }
  return { rows: good, refused };
}

/**
 * Inserts the rows of `output` and publishes its dead letters.
 * @throws ChurnError retryable (warehouse, log or registry unavailable) or not (a bug: unknown table)
 */
export async function writeOutput(deps: WriteDeps, output: StageOutput, nowMs: number): Promise<void> {
  const deadLetters: DeadLetterEntry[] = [...output.deadLetters];
  const tables = new Map(deps.stage.tables.map((t) => [t.name, t]));
  for (const [name, sourced] of output.rows) {
    const table = tables.get(name);
    if (table === undefined || sourced.length === 0) continue;
    let rows = sourced.map((s) => s.row);
    try {
      await deps.warehouse.insert(name, rows);
    } catch (error) {
      // The warehouse validates before writing anything: find the bad rows only when it refused.
      if (!isChurnError(error, "CHURN_SINK_BAD_VALUE")) throw error;
      const checked = checkRows(table, sourced);
      deadLetters.push(...checked.refused);
      rows = checked.rows;
      await deps.warehouse.insert(name, rows);
    }
    deps.metrics.rowsWritten(name, rows.length);
  }
  await deps.deadLetters.publish(deadLetters, nowMs);
  for (const entry of deadLetters) deps.metrics.deadLettered(entry.code);
}
