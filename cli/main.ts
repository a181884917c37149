import { CommanderError } from "commander";
import { isChurnError } from "../core/errors.js";
import { buildProgram } from "./program.js";

async function main(): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (isChurnError(error)) {
      console.error(`churnstream: ${error.message} [${error.code}]`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}

await main();
