import { createDuckDbWarehouse } from "../../sinks/duckdb/index.js";
import { describeTrainingData } from "./dataset.suite.js";

describeTrainingData("DuckDB", async () => createDuckDbWarehouse({ path: ":memory:" }));
