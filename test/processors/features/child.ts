/**
 * A features processor in its own process, for the kill -9 integration test: Kafka, the
 * Confluent-compatible registry and Redis, options as JSON in argv[2]. Prints "started" once
 * its first assignment is restored; SIGTERM stops it gracefully.
 */
import { createKafkaEventLog, type KafkaEventLogOptionsInput } from "../../../core/eventlog/index.js";
import { createRedisFeatureStore, type RedisFeatureStoreInput } from "../../../core/featurestore/index.js";
import {
  createFeaturesRunner,
  type FeaturesProcessorOptionsInput,
} from "../../../processors/features/index.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";

export interface ChildOptions {
  processor: FeaturesProcessorOptionsInput;
  kafka: KafkaEventLogOptionsInput;
  registryUrl: string;
  redis: RedisFeatureStoreInput;
}

const options = JSON.parse(process.argv[2] ?? "{}") as ChildOptions;
const log = createKafkaEventLog(options.kafka);
const schemaRegistry = createConfluentSchemaRegistry({ url: options.registryUrl });
const store = await createRedisFeatureStore(options.redis);
const runner = createFeaturesRunner(options.processor, { log, store, schemaRegistry });
process.on("SIGTERM", () => {
  void runner.stop();
});
await runner.start();
process.stdout.write("started\n");
try {
  await runner.stopped();
} finally {
  await Promise.allSettled([log.close(), store.close(), schemaRegistry.close()]);
}
