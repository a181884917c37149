import type { Command } from "commander";
import { compileStackOptions } from "../../infra/local/options.js";
import {
  defaultServices,
  formatStatus,
  stackContext,
  stackDown,
  stackStatus,
  stackUp,
} from "../../infra/local/stack.js";
import { commandConfig } from "../context.js";

function stackSetup(command: Command) {
  const options = compileStackOptions(commandConfig(command).stack);
  return {
    options,
    ctx: stackContext(options, (line) => console.log(line)),
    services: defaultServices(options),
  };
}

export function registerStackCommand(program: Command): void {
  const stack = program
    .command("stack")
    .description(
      "run the real services natively (Kafka KRaft, schema registry, Redis, ClickHouse), no Docker",
    );

  stack
    .command("up")
    .description("start every service that is not running yet (idempotent); data persists in the state dir")
    .action(async (_options: unknown, command: Command) => {
      const { options, ctx, services } = stackSetup(command);
      const begin = Date.now();
      await stackUp(ctx, services);
      console.log(`stack up in ${((Date.now() - begin) / 1000).toFixed(1)} s (state in ${options.stateDir})`);
      console.log(formatStatus(await stackStatus(ctx, services)));
    });

  stack
    .command("down")
    .description("stop the services `stack up` started (never ones it found already running)")
    .action(async (_options: unknown, command: Command) => {
      const { ctx, services } = stackSetup(command);
      await stackDown(ctx, services);
    });

  stack
    .command("status")
    .description("show each service, its address and health; exits 1 when one is unhealthy")
    .action(async (_options: unknown, command: Command) => {
      const { ctx, services } = stackSetup(command);
      const rows = await stackStatus(ctx, services);
      console.log(formatStatus(rows));
      if (rows.some((row) => !row.healthy)) process.exitCode = 1;
    });
}
