import { scratchClickHouse } from "../support/clickhouse.js";
import { describeTrainingData } from "./dataset.suite.js";

const clickhouse = scratchClickHouse("churnstream_training");

describeTrainingData(clickhouse.label, clickhouse.open, clickhouse.drop);
