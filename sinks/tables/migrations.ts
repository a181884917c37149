/**
 * The product's warehouse migrations: every table and view of docs/warehouse.md. Pass them all
 * to `Warehouse.migrate` at start-up (each sink does). A published migration is never edited or
 * renumbered: a change is a new migration at the end.
 */
import type { Migration } from "../ports.js";
import { renderLiteral } from "../sql.js";
import { bronzeBilling, bronzeClickstream } from "./bronze.js";
import {
  goldChurnLabels,
  goldChurnScores,
  goldCustomerDailyProgress,
  goldCustomerDailyRows,
  goldSettings,
  TRAINING_HORIZON_SETTING,
} from "./gold.js";
import { goldModelPerformance } from "./model-performance.js";
import { silverBilling, silverClickstreamEvents } from "./silver.js";
import {
  bronzeRejectsView,
  goldCustomer360View,
  goldCustomerDailyView,
  goldTrainingSetView,
  silverClickstreamView,
} from "./views.js";

/** Label horizon of gold_training_set until the gold sink sets its configured one. */
export const DEFAULT_TRAINING_HORIZON_DAYS = 30;

function defaultHorizon(dialect: "duckdb" | "clickhouse"): string {
  // updated_at_ms 0: any horizon a gold sink sets later is newer and wins.
  const name = renderLiteral(TRAINING_HORIZON_SETTING, dialect);
  return `INSERT INTO gold_settings (name, value, updated_at_ms) VALUES (${name}, ${DEFAULT_TRAINING_HORIZON_DAYS}, 0)`;
}

export const SINK_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "bronze tables and bronze_rejects",
    createTables: [bronzeClickstream, bronzeBilling],
    statements: { clickhouse: [bronzeRejectsView("clickhouse")], duckdb: [bronzeRejectsView("duckdb")] },
  },
  {
    version: 2,
    name: "silver tables and the silver_clickstream view",
    createTables: [silverClickstreamEvents, silverBilling],
    statements: {
      clickhouse: [silverClickstreamView("clickhouse")],
      duckdb: [silverClickstreamView("duckdb")],
    },
  },
  {
    version: 3,
    name: "gold tables and views",
    createTables: [
      goldCustomerDailyRows,
      goldCustomerDailyProgress,
      goldChurnLabels,
      goldChurnScores,
      goldSettings,
    ],
    statements: {
      clickhouse: [
        defaultHorizon("clickhouse"),
        goldCustomerDailyView("clickhouse"),
        goldTrainingSetView("clickhouse"),
        goldCustomer360View("clickhouse"),
      ],
      duckdb: [
        defaultHorizon("duckdb"),
        goldCustomerDailyView("duckdb"),
        goldTrainingSetView("duckdb"),
        goldCustomer360View("duckdb"),
      ],
    },
  },
  { version: 4, name: "gold_model_performance", createTables: [goldModelPerformance] },
  {
    // Version 3 picked the score by scoring time; a rescoring of older features could win.
    version: 5,
    name: "gold_customer_360 shows the score of the newest scored features",
    statements: {
      clickhouse: ["DROP TABLE IF EXISTS gold_customer_360", goldCustomer360View("clickhouse")],
      duckdb: ["DROP VIEW IF EXISTS gold_customer_360", goldCustomer360View("duckdb")],
    },
  },
];
