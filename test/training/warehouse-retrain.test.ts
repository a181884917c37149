import { createDuckDbWarehouse } from "../../sinks/duckdb/index.js";
import { describeWarehouseRetrain } from "./warehouse-retrain.suite.js";

describeWarehouseRetrain("DuckDB", async () => createDuckDbWarehouse({ path: ":memory:" }));
