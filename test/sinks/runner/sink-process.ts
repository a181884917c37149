/**
 * A sink process for the kill -9 test: runs the named sinks on Kafka, the registry and ClickHouse
 * with the settings in argv[2] (JSON) until killed or sent SIGTERM.
 */
import { createKafkaEventLog } from "../../../core/eventlog/index.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import { createClickHouseWarehouse } from "../../../sinks/clickhouse/index.js";
import {
  compileSinksOptions,
  type SinkName,
  type SinksOptionsInput,
  startSinks,
} from "../../../sinks/runner/index.js";

interface Settings {
  brokers: string[];
  registryUrl: string;
  clickhouseUrl: string;
  database: string;
  sinks: SinkName[];
  options: SinksOptionsInput;
}

const settings = JSON.parse(process.argv[2] ?? "{}") as Settings;
const log = createKafkaEventLog({
  brokers: settings.brokers,
  clientId: "churnstream-sink-process",
  consumer: {
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 500,
    maxWaitTimeMs: 100,
  },
});
const schemaRegistry = createConfluentSchemaRegistry({ url: settings.registryUrl });
const warehouse = createClickHouseWarehouse({ url: settings.clickhouseUrl, database: settings.database });
const sinks = await startSinks(
  settings.sinks,
  { log, warehouse, schemaRegistry },
  compileSinksOptions(settings.options),
);
process.stdout.write("started\n");
process.on("SIGTERM", () => {
  void sinks
    .stop()
    .then(() => Promise.allSettled([log.close(), schemaRegistry.close(), warehouse.close()]))
    .then(() => process.exit(0));
});
await sinks.done;
