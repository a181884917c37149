/**
 * The realized-performance monitor: periodically joins past scores (gold_churn_scores) with the
 * labels that matured (gold_churn_labels), computes per model version ROC-AUC, precision at the
 * action threshold and calibration over a rolling window, exports gauges, writes
 * gold_model_performance, and rolls the champion back when it falls below the floor while the
 * previous champion did better on the same window.
 *
 * Time is event time: the window ends `horizonDays` before the newest scored features time, so
 * every score in it has had its whole label horizon observed. One row per customer and version:
 * its latest score in the window. Customers who had cancelled before the score are left out.
 */
import type { Logger } from "../../core/logger.js";
import type { Row, Warehouse } from "../../sinks/ports.js";
import { ident, sql } from "../../sinks/sql.js";
import { goldModelPerformance } from "../../sinks/tables/model-performance.js";
import type { ModelRegistry } from "../../training/registry/ports.js";
import { previousChampion } from "../../training/registry/state.js";
import type { ScoreMetrics } from "./metrics.js";
import type { PerformanceOptions } from "./options.js";
import {
  decideRollback,
  type MaturedScore,
  pairOn,
  type RealizedMetrics,
  type RollbackDecision,
  realizedMetrics,
} from "./realized.js";

const DAY_MS = 86_400_000;

/** The matured scores of the current window, or undefined when no score has matured yet. */
export async function maturedScores(
  wh: Warehouse,
  o: { horizonDays: number; windowDays: number },
): Promise<{ rows: MaturedScore[]; windowFromMs: number; windowToMs: number } | undefined> {
  const scoresTable = wh.latest("gold_churn_scores");
  const [head] = await wh.query<{ newest: number | string; n: number | string }>(
    sql`SELECT max(${ident("features_as_of_ts_ms")}) AS ${ident("newest")}, count() AS ${ident("n")} FROM ${scoresTable}`,
  );
  if (head === undefined || Number(head.n) === 0) return undefined;
  const horizonMs = o.horizonDays * DAY_MS;
  const windowToMs = Number(head.newest) - horizonMs;
  const windowFromMs = windowToMs - o.windowDays * DAY_MS;
  if (windowToMs <= 0) return undefined;
  const c = (alias: string, column: string) => sql`${ident(alias)}.${ident(column)}`;
  const scores = sql`SELECT ${ident("customer_id")}, ${ident("model_version")}, ${ident("shadow")},
    argMax(${ident("score")}, ${ident("features_as_of_ts_ms")}) AS ${ident("s_score")},
    max(${ident("features_as_of_ts_ms")}) AS ${ident("s_as_of")}
    FROM ${scoresTable}
    WHERE ${ident("features_as_of_ts_ms")} > ${windowFromMs} AND ${ident("features_as_of_ts_ms")} <= ${windowToMs}
    GROUP BY ${ident("customer_id")}, ${ident("model_version")}, ${ident("shadow")}`;
  const effective = c("l", "effective_ts_ms");
  const asOf = c("sc", "s_as_of");
  // Only customers with a cancellation take part in this join (as in gold_training_set).
  const outcomes = sql`SELECT ${c("sc", "customer_id")} AS ${ident("customer_id")},
    ${c("sc", "model_version")} AS ${ident("model_version")}, ${c("sc", "shadow")} AS ${ident("shadow")},
    sum(CASE WHEN ${effective} > ${asOf} AND ${effective} <= ${asOf} + ${horizonMs} THEN 1 ELSE 0 END) AS ${ident("label_hits")},
    sum(CASE WHEN ${effective} <= ${asOf} THEN 1 ELSE 0 END) AS ${ident("cancelled_before")}
    FROM (${scores}) AS ${ident("sc")}
    INNER JOIN (SELECT ${ident("customer_id")}, ${ident("effective_ts_ms")} FROM ${wh.latest("gold_churn_labels")}) AS ${ident("l")}
    ON ${c("sc", "customer_id")} = ${c("l", "customer_id")}
    GROUP BY ${c("sc", "customer_id")}, ${c("sc", "model_version")}, ${c("sc", "shadow")}`;
  const joined = sql`SELECT ${ident("customer_id")}, ${ident("model_version")}, ${ident("shadow")}, ${ident("s_score")},
    coalesce(${ident("label_hits")}, 0) AS ${ident("hits")}, coalesce(${ident("cancelled_before")}, 0) AS ${ident("before")}
    FROM (${scores}) LEFT JOIN (${outcomes}) USING (${ident("customer_id")}, ${ident("model_version")}, ${ident("shadow")})`;
  const rows = await wh.query<
    Record<string, unknown>
  >(sql`SELECT ${ident("customer_id")}, ${ident("model_version")},
    ${ident("shadow")}, ${ident("s_score")} AS ${ident("score")},
    CASE WHEN ${ident("hits")} > 0 THEN 1 ELSE 0 END AS ${ident("label")}
    FROM (${joined}) WHERE ${ident("before")} = 0
    ORDER BY ${ident("model_version")}, ${ident("shadow")}, ${ident("customer_id")}`);
  return {
    windowFromMs,
    windowToMs,
    rows: rows.map((r) => ({
      customer_id: String(r.customer_id),
      model_version: String(r.model_version),
      shadow: Number(r.shadow),
      score: Number(r.score),
      label: Number(r.label),
    })),
  };
}

/** One evaluated group. */
export interface VersionPerformance {
  version: string;
  role: "champion" | "challenger" | "previous" | "other";
  shadow: number;
  scope: "all" | "paired";
  metrics: RealizedMetrics;
}

/** The outcome of one evaluation. */
export interface PerformanceReport {
  windowFromMs: number;
  windowToMs: number;
  versions: VersionPerformance[];
  decision: RollbackDecision;
  rolledBack: boolean;
}

export interface PerformanceMonitorDeps {
  readonly warehouse: Warehouse;
  readonly registry: ModelRegistry;
  readonly options: Readonly<PerformanceOptions>;
  readonly metrics: ScoreMetrics;
  readonly logger?: Logger | undefined;
  /** @default Date.now */
  readonly now?: () => number;
}

export class PerformanceMonitor {
  readonly #deps: PerformanceMonitorDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(deps: PerformanceMonitorDeps) {
    this.#deps = deps;
  }

  /** Evaluates every `intervalMs` (the warehouse must be migrated with SINK_MIGRATIONS). */
  start(): void {
    this.#timer ??= setInterval(() => {
      this.#running ??= this.evaluate()
        .catch((error: unknown) => {
          this.#deps.metrics.errors.inc({ ...this.#deps.metrics.labels, kind: "performance" });
          this.#deps.logger?.warn({ err: error }, "realized performance evaluation failed");
        })
        .finally(() => {
          this.#running = undefined;
        });
    }, this.#deps.options.intervalMs).unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One evaluation: metrics, gauges, table rows, and the rollback when due. */
  async evaluate(): Promise<PerformanceReport | undefined> {
    const { warehouse, registry, options, metrics, logger } = this.#deps;
    const matured = await maturedScores(warehouse, options);
    if (matured === undefined) return undefined;
    const state = await registry.state();
    const previous = previousChampion(state);
    const groups = new Map<string, MaturedScore[]>();
    for (const r of matured.rows) {
      const key = `${r.model_version}\u0000${r.shadow}`;
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [r]);
      else list.push(r);
    }
    const threshold = async (version: string) =>
      (await registry.get(version).catch(() => undefined))?.card.thresholds.high ?? 0.5;
    const roleOf = (version: string, shadow: number): VersionPerformance["role"] => {
      if (version === state.champion && shadow === 0) return "champion";
      if (version === state.challenger && shadow === 1) return "challenger";
      if (version === previous && shadow === 0) return "previous";
      return "other";
    };
    const versions: VersionPerformance[] = [];
    for (const rows of groups.values()) {
      const { model_version: version, shadow } = rows[0]!;
      const m = realizedMetrics(rows, await threshold(version), options.minScores);
      if (m) versions.push({ version, role: roleOf(version, shadow), shadow, scope: "all", metrics: m });
    }
    const champRows = groups.get(`${state.champion}\u00000`);
    const challRows = groups.get(`${state.challenger}\u00001`);
    if (champRows && challRows && state.champion && state.challenger) {
      const [a, b] = pairOn(champRows, challRows);
      const ma = realizedMetrics(a, await threshold(state.champion), options.minScores);
      const mb = realizedMetrics(b, await threshold(state.challenger), options.minScores);
      if (ma && mb) {
        versions.push({ version: state.champion, role: "champion", shadow: 0, scope: "paired", metrics: ma });
        versions.push({
          version: state.challenger,
          role: "challenger",
          shadow: 1,
          scope: "paired",
          metrics: mb,
        });
      }
    }
    this.#export(versions, matured);
    await warehouse.insert(goldModelPerformance.name, this.#rows(versions, matured));

    const pick = (role: string) => versions.find((v) => v.role === role && v.scope === "all")?.metrics;
    const decision = decideRollback({
      champion: pick("champion"),
      previous: pick("previous"),
      floor: options.aucFloor,
      lastAction: state.history.at(-1)?.action,
    });
    let rolledBack = false;
    if (decision.rollback) {
      const reason = `automatic: ${decision.why}`;
      if (options.autoRollback) {
        // Re-check right before acting: another instance may have acted already.
        const now = await registry.state();
        if (now.champion === state.champion && now.history.length === state.history.length) {
          await registry.rollback(reason, true);
          rolledBack = true;
          metrics.autoRollbacks.inc(metrics.labels);
          logger?.error(
            {
              champion: state.champion,
              restored: previous,
              auc: decision.champion,
              previousAuc: decision.previous,
            },
            `MODEL ROLLED BACK: ${state.champion} → ${previous}: ${decision.why}`,
          );
        }
      } else {
        logger?.error(
          { champion: state.champion },
          `champion ${state.champion} should be rolled back: ${decision.why}`,
        );
      }
    }
    return { ...matured, versions, decision, rolledBack };
  }

  #export(versions: readonly VersionPerformance[], _window: { windowToMs: number }): void {
    const { metrics } = this.#deps;
    for (const g of [
      metrics.realizedAuc,
      metrics.realizedPrecision,
      metrics.realizedBrier,
      metrics.realizedCalibration,
      metrics.realizedScores,
    ])
      g.reset();
    for (const v of versions) {
      if (v.scope !== "all") continue;
      const labels = { ...metrics.labels, model_version: v.version, role: v.role };
      metrics.realizedAuc.set(labels, v.metrics.rocAuc);
      if (Number.isFinite(v.metrics.precision)) metrics.realizedPrecision.set(labels, v.metrics.precision);
      metrics.realizedBrier.set(labels, v.metrics.brier);
      metrics.realizedCalibration.set(labels, v.metrics.calibrationRatio);
      metrics.realizedScores.set(labels, v.metrics.scores);
    }
  }

  #rows(versions: readonly VersionPerformance[], w: { windowFromMs: number; windowToMs: number }): Row[] {
    const at = (this.#deps.now ?? Date.now)();
    return versions.map((v) => ({
      window_to_ms: w.windowToMs,
      window_from_ms: w.windowFromMs,
      model_version: v.version,
      role: v.role,
      shadow: v.shadow,
      scope: v.scope,
      scores: v.metrics.scores,
      positives: v.metrics.positives,
      roc_auc: v.metrics.rocAuc,
      precision_at_threshold: Number.isFinite(v.metrics.precision) ? v.metrics.precision : -1,
      action_threshold: v.metrics.threshold,
      brier: v.metrics.brier,
      mean_score: v.metrics.meanScore,
      churn_rate: v.metrics.churnRate,
      horizon_days: this.#deps.options.horizonDays,
      evaluated_at_ms: at,
    }));
  }
}
