import { scratchClickHouse } from "../support/clickhouse.js";
import { describeWarehouseRetrain } from "./warehouse-retrain.suite.js";

const clickhouse = scratchClickHouse("churnstream_retrain");

describeWarehouseRetrain(clickhouse.label, clickhouse.open, clickhouse.drop);
