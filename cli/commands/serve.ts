import { type Command, InvalidArgumentError } from "commander";
import { describeBackends, openFeatureStore, openWarehouse } from "../../core/backends.js";
import { createLogger } from "../../core/logger.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { startServing } from "../../serving/start.js";
import { createDirModelRegistry } from "../../training/registry/dir.js";
import { commandConfig } from "../context.js";

interface ServeFlags {
  port?: number;
  host?: string;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new InvalidArgumentError(`--port expects 0..65535, got "${value}"`);
  }
  return parsed;
}

/**
 * `churnstream serve`: the API and the live dashboard on the configured FeatureStore, warehouse
 * and model registry. SIGINT/SIGTERM stop accepting requests, finish those in flight, end the
 * dashboard streams and close the backends.
 */
export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("serve the API (/v1/...), the live dashboard (/), /docs, /metrics, /healthz and /readyz")
    .option("--port <port>", "TCP port (default serving.port, 8080)", port)
    .option("--host <host>", "interface to listen on (default serving.host, 127.0.0.1)")
    .addHelpText(
      "after",
      "\nOther keys: --set serving.<key>=<value> (docs/serving.md), e.g. --set serving.apiKey=... for the admin routes.\n" +
        "Examples:\n" +
        "  churnstream serve\n" +
        "  churnstream --real serve --port 8080 --host 0.0.0.0",
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const config = commandConfig(command, flags.host === undefined ? {} : { "serving.host": flags.host });
      const logger = createLogger({ level: config.log.level, stage: "serving" });
      const registry = createProcessRegistry();
      for (const [name, where] of Object.entries(describeBackends(config))) {
        if (name === "featureStore" || name === "warehouse") console.log(`${name.padEnd(15)} ${where}`);
      }
      const featureStore = await openFeatureStore(config, { registry });
      const warehouse = openWarehouse(config, { registry });
      const modelRegistry = createDirModelRegistry(config.models, { logger });
      try {
        const serving = await startServing({
          config,
          registry,
          featureStore,
          warehouse,
          modelRegistry,
          logger,
          ...(flags.port === undefined ? {} : { port: flags.port }),
        });
        console.log(`dashboard      ${serving.url}/`);
        console.log(`api reference  ${serving.url}/docs`);
        if (config.serving.apiKey === "") {
          console.log("admin routes   disabled: set serving.apiKey to enable /v1/models");
        }
        await new Promise<void>((resolve) => {
          const stop = (signal: NodeJS.Signals) => {
            process.stderr.write(`\n${signal}: finishing requests in flight and closing...\n`);
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            resolve();
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
        await serving.close();
      } finally {
        await Promise.allSettled([featureStore.close(), warehouse.close(), modelRegistry.close()]);
      }
    });
}
