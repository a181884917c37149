/**
 * Comparisons of an integrity run with the uninterrupted reference run and with the simulator's
 * ground truth, and the summary table (fault, runs, lost, duplicated, max lag, recovery).
 */
import type { RunOutcome } from "./pipeline.js";

/** Differences of one run from what it must equal. */
export interface RunDiff {
  /** Rows of the reference (or truth) missing from the run, over every table. */
  lost: number;
  /** Rows of the run beyond the reference's (the same row twice counts once extra). */
  duplicated: number;
  /** Customers whose Redis hash differs from the reference run's (or is missing). */
  featuresDiffering: number;
  /** Customers whose Redis hash differs from the offline replay of the run's own topics. */
  featuresVsReplay: number;
  /** Customers whose Redis score fields (scoring time aside) differ from the reference run's. */
  scoresDiffering: number;
  /** Ground-truth checks that failed, as text. */
  truth: string[];
  /** First few differences, for the assertion message. */
  examples: string[];
  /** The scores on churn-scores.v1 of the customers whose Redis score differs (diagnosis). */
  scoreHistories: string[];
}

function counts(rows: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(r, (out.get(r) ?? 0) + 1);
  return out;
}

function hashDiff(
  a: ReadonlyMap<string, Record<string, string>>,
  b: ReadonlyMap<string, Record<string, string>>,
  examples: string[],
  what: string,
): number {
  let differing = 0;
  for (const [id, want] of b) {
    const got = a.get(id);
    const fields = Object.keys(want).filter((k) => got?.[k] !== want[k]);
    if (got === undefined || fields.length > 0) {
      differing++;
      if (examples.length < 8)
        examples.push(
          `${what} ${id}: ${got ? fields.map((k) => `${k}=${got[k]} want ${want[k]}`).join(", ") : "missing"}`,
        );
    }
  }
  return differing;
}

/**
 * Examples of differing rows: a lost and an extra row with the same first column (a changed row)
 * are shown as the columns that differ, others as the row.
 */
function describeRows(table: string, lost: string[], extra: string[], examples: string[]): void {
  const first = (row: Record<string, unknown>) => JSON.stringify(Object.values(row)[0]);
  const extras = new Map(
    extra.map((r) => JSON.parse(r) as Record<string, unknown>).map((r) => [first(r), r]),
  );
  for (const text of lost) {
    if (examples.length >= 8) return;
    const row = JSON.parse(text) as Record<string, unknown>;
    const other = extras.get(first(row));
    if (other === undefined) examples.push(`${table} lost: ${text.slice(0, 200)}`);
    else {
      extras.delete(first(row));
      const cols = Object.keys(row).filter((k) => JSON.stringify(row[k]) !== JSON.stringify(other[k]));
      examples.push(
        `${table} ${first(row)} changed: ${cols
          .map((k) => `${k}=${JSON.stringify(other[k])} want ${JSON.stringify(row[k])}`)
          .join(", ")
          .slice(0, 300)}`,
      );
    }
  }
  for (const row of extras.values()) {
    if (examples.length >= 8) return;
    examples.push(`${table} extra: ${JSON.stringify(row).slice(0, 200)}`);
  }
}

/** Tables whose row count the simulator's ground truth fixes. */
function truthChecks(run: RunOutcome): string[] {
  const s = run.summary;
  const sum = (prefix: string) =>
    Object.entries(s.events)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((a, [, v]) => a + (v as number), 0);
  const malformed = Object.values(s.faults.malformed).reduce((a, b) => a + b, 0);
  // Dead letters are published at least once: a stage killed after publishing a batch's dead
  // letters and before committing republishes them on restart. Exactness of what was rejected
  // is checked by bronze_rejects (keyed by source offset); here a crash may add copies, never
  // remove one.
  const dlqWant = malformed + run.replayLate;
  // Kills (kill -9 by the test) and unplanned crashes both count.
  const crashed = run.crashes + run.kills > 0;
  const dlqGot = crashed && run.featuresDeadLetters >= dlqWant ? dlqWant : run.featuresDeadLetters;
  const expectations: [string, number, number][] = [
    [
      "silver_clickstream rows = valid clickstream events",
      run.tables.silver_clickstream?.length ?? -1,
      sum("clickstream"),
    ],
    ["silver_billing rows = valid billing events", run.tables.silver_billing?.length ?? -1, sum("billing")],
    ["bronze_rejects rows = malformed records", run.tables.bronze_rejects?.length ?? -1, malformed],
    // bronze keeps every record as received, rejects included (bronze_rejects is a view of them).
    [
      "bronze rows = records produced",
      (run.tables.bronze_clickstream?.length ?? 0) + (run.tables.bronze_billing?.length ?? 0),
      s.records.total,
    ],
    ["records the features replay rejects = malformed records", run.replayRejected, malformed],
    ["features dead letters = malformed + too-late events (at least once after a crash)", dlqGot, dlqWant],
    [
      "customers with a score = customers with features",
      [...run.scores.values()].filter((s) => s.score !== undefined && s.score !== "").length,
      run.features.size,
    ],
    ["customers with features = customers of the replay", run.features.size, run.replay.size],
  ];
  return expectations
    .filter(([, got, want]) => got !== want)
    .map(([what, got, want]) => `${what}: ${got} != ${want}`);
}

/** Compares `run` with `reference` (same seed and input) or, without one, with its own truth. */
export function compareRuns(run: RunOutcome, reference?: RunOutcome): RunDiff {
  const examples: string[] = [];
  let lost = 0;
  let duplicated = 0;
  if (reference) {
    if (reference.inputDigest !== run.inputDigest) examples.push("input digest differs from the reference");
    for (const [table, refRows] of Object.entries(reference.tables)) {
      const want = counts(refRows);
      const got = counts(run.tables[table] ?? []);
      const lostRows: string[] = [];
      const extraRows: string[] = [];
      for (const [row, n] of want) {
        const missing = n - (got.get(row) ?? 0);
        if (missing > 0) {
          lost += missing;
          lostRows.push(row);
        }
      }
      for (const [row, n] of got) {
        const extra = n - (want.get(row) ?? 0);
        if (extra > 0) {
          duplicated += extra;
          extraRows.push(row);
        }
      }
      describeRows(table, lostRows, extraRows, examples);
    }
  } else {
    // No reference: a row twice in a table whose rows are distinct is a duplicate.
    for (const rows of Object.values(run.tables)) duplicated += rows.length - new Set(rows).size;
  }
  const truth = truthChecks(run);
  return {
    lost,
    duplicated,
    featuresDiffering: reference ? hashDiff(run.features, reference.features, examples, "vs reference") : 0,
    featuresVsReplay: hashDiff(run.features, run.replay, examples, "vs replay"),
    scoresDiffering: reference ? hashDiff(run.scores, reference.scores, examples, "score vs reference") : 0,
    scoreHistories: examples
      .filter((e) => e.startsWith("score vs reference"))
      .map((e) => e.split(" ")[3]!.replace(":", ""))
      .map(
        (id) =>
          `${id}: run ${JSON.stringify(run.scoreHistory.get(id))} reference ${JSON.stringify(reference?.scoreHistory.get(id))}`,
      ),
    truth,
    examples,
  };
}

/** One row of the summary table. */
export interface SummaryRow {
  fault: string;
  runs: number;
  /** Wall time of the runs (parallel runs overlap), s. */
  seconds: number;
  lost: number;
  duplicated: number;
  featuresDiffering: number;
  /** Ground-truth count checks that failed (see truthChecks). */
  truthFailures: number;
  maxLag: number;
  recoveryMs: number | null;
  notes: string;
}

/**
 * The merge's stall escapes (forced merges, which may order records unlike the replay) and the
 * features processor's other warnings, per run, with the log to read when there are any.
 */
function featuresLogNotes(runs: readonly RunOutcome[]): string {
  const escapes = runs.reduce((a, r) => a + r.stallEscapes, 0);
  const warned = runs.filter((r) => Object.keys(r.featuresWarnings).length > 0);
  const details = warned.map(
    (r) =>
      `${r.name}: ${Object.entries(r.featuresWarnings)
        .map(([msg, n]) => `${n}× "${msg}"`)
        .join(", ")} (${r.featuresLog})`,
  );
  return `features merge stall escapes: ${escapes}${details.length > 0 ? `; features warnings: ${details.join("; ")}` : ""}`;
}

export function summaryRow(
  fault: string,
  results: readonly { run: RunOutcome; diff: RunDiff }[],
  notes = "",
): SummaryRow {
  const recovery = results.map((r) => r.run.recoveryMs).filter((v): v is number => v !== null);
  return {
    fault,
    runs: results.length,
    seconds: Math.max(...results.map((r) => r.run.seconds)),
    lost: results.reduce((a, r) => a + r.diff.lost, 0),
    duplicated: results.reduce((a, r) => a + r.diff.duplicated, 0),
    featuresDiffering: results.reduce(
      (a, r) => a + r.diff.featuresDiffering + r.diff.featuresVsReplay + r.diff.scoresDiffering,
      0,
    ),
    truthFailures: results.reduce((a, r) => a + r.diff.truth.length, 0),
    maxLag: Math.max(...results.map((r) => r.run.maxLag)),
    recoveryMs: recovery.length > 0 ? Math.max(...recovery) : null,
    notes: `${notes}; gold_customer_360 scores not of the latest features: ${results.reduce((a, r) => a + r.run.staleScores360, 0)}; ${featuresLogNotes(results.map((r) => r.run))}`,
  };
}

export function summaryTable(rows: readonly SummaryRow[]): string {
  const lines = [
    "| fault | runs | records lost | records duplicated | features / scores differing | truth checks failed | max lag (records) | recovery time | run time | notes |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.runs} | ${r.lost} | ${r.duplicated} | ${r.featuresDiffering} | ${r.truthFailures} | ${r.maxLag.toLocaleString("en-US")} | ${
          r.recoveryMs === null ? "–" : `${(r.recoveryMs / 1000).toFixed(1)} s`
        } | ${Math.round(r.seconds)} s | ${r.notes} |`,
    ),
  ];
  return lines.join("\n");
}
