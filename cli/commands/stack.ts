import type { Command } from "commander";
import { compileStackOptions } from "../../infra/local/options.js";
import { defaultServices, stackDown, stackStatus, stackUp } from "../../infra/local/stack.js";
import type { StackContext } from "../../infra/local/types.js";
import { commandConfig } from "../context.js";

function stackSetup(command: Command) {
  const config = commandConfig(command);
  const options = compileStackOptions(config.stack);
  const ctx: StackContext = {
    stateDir: options.stateDir,
    projectRoot: options.projectRoot,
    log: (line) => console.log(line),
  };
  return { ctx, services: defaultServices(options) };
}

export function registerStackCommand(program: Command): void {
  const stack = program
    .command("stack")
    .description("run the real services natively (Kafka KRaft, schema registry, Redis, ClickHouse), no Docker");

  stack
    .command("up")
    .description("start every service that is not running yet (idempotent); data persists in the state dir")
    .action(async (_options: unknown, command: Command) => {
      const { ctx, services } = stackSetup(command);
      await stackUp(ctx, services);
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
      for (const row of rows) {
        console.log(
          `${row.healthy ? "ok  " : "FAIL"}  ${row.name.padEnd(16)} ${row.address.padEnd(24)} ${row.state.padEnd(9)} ${row.detail}`,
        );
      }
      if (rows.some((row) => !row.healthy)) process.exitCode = 1;
    });
}
