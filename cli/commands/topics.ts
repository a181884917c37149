import type { Command } from "commander";
import { openEventLog } from "../../core/backends.js";
import { ensureTopics } from "../../core/topics.js";
import { Topics } from "../../schemas/catalog.js";
import { commandConfig } from "../context.js";

export function registerTopicsCommand(program: Command): void {
  const topics = program
    .command("topics")
    .description("create and inspect the topics of the flow on the configured log");

  topics
    .command("create")
    .description("create the missing churnstream topics (co-partitioned, features.v1 compacted)")
    .action(async (_options: unknown, command: Command) => {
      const config = commandConfig(command);
      const log = openEventLog(config);
      try {
        const created = await ensureTopics(log, config);
        console.log(created.length === 0 ? "all topics already exist" : `created ${created.join(", ")}`);
      } finally {
        await log.close();
      }
    });

  topics
    .command("list")
    .description("list the churnstream topics with partitions, configs and end offsets")
    .action(async (_options: unknown, command: Command) => {
      const config = commandConfig(command);
      const log = openEventLog(config);
      try {
        const admin = log.admin();
        const present = new Set(await admin.listTopics());
        for (const { name } of Object.values(Topics)) {
          if (!present.has(name)) {
            console.log(`${name.padEnd(18)} missing (run \`churnstream topics create\`)`);
            continue;
          }
          const description = await admin.describeTopic(name);
          const ends = await admin.endOffsets(name);
          const records = [...ends.values()].reduce((a, b) => a + b, 0);
          const policy = description.config["cleanup.policy"] ?? "delete";
          console.log(
            `${name.padEnd(18)} partitions=${description.partitions} cleanup.policy=${policy} end-offsets-sum=${records}`,
          );
        }
      } finally {
        await log.close();
      }
    });
}
