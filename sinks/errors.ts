/**
 * Errors every Warehouse backend raises alike; backend-specific mapping lives beside each backend
 * (clickhouse/errors.ts).
 */
import { ChurnError } from "../core/errors.js";

/** An insert into a table that no migration given to migrate() created. */
export function unknownTable(table: string): ChurnError {
  return new ChurnError(
    "CHURN_SINK_QUERY_FAILED",
    `unknown table ${JSON.stringify(table)}: no migration passed to migrate() creates it. ` +
      "Call warehouse.migrate(migrations) with every migration at start-up before inserting",
    { details: { table } },
  );
}

/** Any call after close(); `name` is how the user knows the backend, e.g. `ClickHouse`. */
export function warehouseClosed(name: string): ChurnError {
  return new ChurnError(
    "CHURN_SINK_CLOSED",
    `the ${name} warehouse is closed; create a new one to use it again`,
  );
}
