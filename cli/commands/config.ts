import type { Command } from "commander";
import { stringify } from "yaml";
import { configKeys } from "../../core/config/index.js";
import { commandConfig } from "../context.js";

export function registerConfigCommand(program: Command): void {
  program
    .command("config")
    .description("print the effective configuration (defaults → file → env → flags), or every settable key")
    .option("--keys", "list every key with its environment variable and accepted values")
    .action((options: { keys?: boolean }, command: Command) => {
      if (options.keys) {
        for (const leaf of configKeys()) {
          const accepted = leaf.values ? `  (${leaf.values.join(" | ")})` : `  <${leaf.kind}>`;
          console.log(`${leaf.path.padEnd(44)} ${leaf.envName}${accepted}`);
        }
        return;
      }
      const config = commandConfig(command);
      const redacted = {
        ...config,
        serving: { ...config.serving, apiKey: config.serving.apiKey ? "***" : "" },
        warehouse: {
          ...config.warehouse,
          clickhouse: {
            ...config.warehouse.clickhouse,
            password: config.warehouse.clickhouse.password ? "***" : "",
          },
        },
      };
      process.stdout.write(stringify(redacted));
    });
}
