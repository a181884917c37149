import { scratchClickHouse } from "../../support/clickhouse.js";
import { describeGoldQueries } from "./queries.suite.js";

const clickhouse = scratchClickHouse("churnstream_queries");

describeGoldQueries(clickhouse.label, clickhouse.open, clickhouse.drop);
