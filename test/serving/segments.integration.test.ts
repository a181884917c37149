import { scratchClickHouse } from "../support/clickhouse.js";
import { describeSegments } from "./segments.suite.js";

const clickhouse = scratchClickHouse("churnstream_serving");

describeSegments(clickhouse.label, clickhouse.open, clickhouse.drop);
