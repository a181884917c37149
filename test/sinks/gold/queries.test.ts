import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import { describeGoldQueries } from "./queries.suite.js";

describeGoldQueries("DuckDB", async () => createDuckDbWarehouse({ path: ":memory:" }));
