import { createDuckDbWarehouse } from "../../sinks/duckdb/index.js";
import { describeSegments } from "./segments.suite.js";

describeSegments("DuckDB", async () => createDuckDbWarehouse({ path: ":memory:" }));
