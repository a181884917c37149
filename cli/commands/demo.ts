import type { Command } from "commander";
import {
  describeBackends,
  openEventLog,
  openFeatureStore,
  openSchemaRegistry,
  openWarehouse,
} from "../../core/backends.js";
import { ensureTopics } from "../../core/topics.js";
import { Topics, valueSubject } from "../../schemas/catalog.js";
import { AvroCodec } from "../../schemas/codec.js";
import { commandConfig } from "../context.js";

/**
 * `churnstream demo` (what `npm start` runs): the whole flow in one process on the configured
 * backends, embedded by default. It prepares every port — topics on the log, schemas in the
 * registry, the feature store, the warehouse file — and reports where each lives. The stages
 * (simulator, features, scorer, sinks, API) join it as they ship.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("run the flow in one process on the configured backends (embedded by default)")
    .option("--warehouse-path <file>", "DuckDB file of the embedded warehouse")
    .action(async (options: { warehousePath?: string }, command: Command) => {
      const config = commandConfig(
        command,
        options.warehousePath === undefined ? {} : { "warehouse.duckdb.path": options.warehousePath },
      );
      for (const [port, where] of Object.entries(describeBackends(config)))
        console.log(`${port.padEnd(15)} ${where}`);

      const log = openEventLog(config);
      const registry = openSchemaRegistry(config);
      const store = await openFeatureStore(config);
      const warehouse = openWarehouse(config);
      try {
        const created = await ensureTopics(log, config);
        console.log(`topics         ${created.length} created, partitions=${config.eventLog.partitions}`);
        const codec = new AvroCodec(registry);
        const ids = await Promise.all(
          Object.values(Topics).map(
            async (t) => `${t.name}=${await codec.schemaIdFor(valueSubject(t.name), t.record)}`,
          ),
        );
        console.log(`schemas        ${ids.join(" ")}`);
        await store.ping();
        await warehouse.ping();
        console.log("ready          the backends are up; pipeline stages are added to the demo as they ship");
      } finally {
        await Promise.allSettled([log.close(), registry.close(), store.close(), warehouse.close()]);
      }
    });
}
