import { Command } from "commander";
import { registerBenchCommand } from "./commands/bench.js";
import { registerConfigCommand } from "./commands/config.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerModelsCommand } from "./commands/models.js";
import { registerProcessCommand } from "./commands/process.js";
import { registerRetrainCommand } from "./commands/retrain.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerSimulateCommand } from "./commands/simulate.js";
import { registerSinkCommand } from "./commands/sink.js";
import { registerStackCommand } from "./commands/stack.js";
import { registerTopicsCommand } from "./commands/topics.js";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command("churnstream")
    .description(
      "Streaming churn scoring: events → windowed features → ONNX scores → warehouse tables.\n" +
        "Every port runs embedded by default; --real (or config) selects Kafka, the schema registry, Redis and ClickHouse.",
    )
    .version("0.1.0")
    .option("-c, --config <file>", "YAML or JSON config file (also $CHURNSTREAM_CONFIG)")
    .option(
      "-s, --set <key=value>",
      "set any config key, repeatable (see `churnstream config --keys`)",
      collect,
    )
    .option("--real", "use the real backends: Kafka, Confluent-compatible registry, Redis, ClickHouse")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent")
    .showHelpAfterError("(add --help for usage)")
    .enablePositionalOptions();
  registerStackCommand(program);
  registerDoctorCommand(program);
  registerTopicsCommand(program);
  registerConfigCommand(program);
  registerDemoCommand(program);
  registerSimulateCommand(program);
  registerSinkCommand(program);
  registerProcessCommand(program);
  registerRetrainCommand(program);
  registerModelsCommand(program);
  registerServeCommand(program);
  registerBenchCommand(program);
  return program;
}
