/** The embedded EventLog: a partitioned, replayable log with consumer groups, in this process. */
import { EventLogClients } from "../clients.js";
import { resolveConsumerSettings } from "../consumer-common.js";
import { createEventLogMetrics, type EventLogMetricsDeps } from "../metrics.js";
import type { Consumer, ConsumerOptions, EventLog, EventLogAdmin, Producer } from "../ports.js";
import { MemoryAdmin } from "./admin.js";
import { MemoryBroker } from "./broker.js";
import { MemoryConsumer } from "./consumer.js";
import { compileMemoryEventLogOptions, type MemoryEventLogOptionsInput } from "./options.js";
import { MemoryProducer } from "./producer.js";

/** Optional dependencies of the in-memory log. */
export type MemoryEventLogDeps = EventLogMetricsDeps;

/**
 * Creates an in-memory event log. Records live as long as the returned object: two logs share
 * nothing. Offsets, groups, rebalances and the key partitioner behave as on Kafka (see ports.ts).
 * Compaction (`cleanup.policy=compact`): once a partition holds more than
 * `retentionRecordsPerPartition` records, only the newest record of each key is kept.
 * @throws ChurnError CHURN_CONFIG_INVALID on bad options.
 */
export function createMemoryEventLog(
  options: MemoryEventLogOptionsInput = {},
  deps: MemoryEventLogDeps = {},
): EventLog {
  const broker = new MemoryBroker(compileMemoryEventLogOptions(options));
  const metrics = createEventLogMetrics(deps);
  const clients = new EventLogClients<MemoryProducer, MemoryConsumer>();
  let members = 0;
  const admin = new MemoryAdmin(broker, clients.assertOpen);

  return {
    backend: "memory",
    admin(): EventLogAdmin {
      clients.assertOpen();
      return admin;
    },
    producer(): Producer {
      return clients.producer((onClosed) => new MemoryProducer(broker, metrics, onClosed));
    },
    consumer(consumerOptions: ConsumerOptions): Consumer {
      return clients.consumer((onClosed) => {
        members += 1;
        const settings = resolveConsumerSettings(consumerOptions);
        // Zero-padded so member ids sort in creation order: assignments are deterministic.
        const memberId = `member-${String(members).padStart(6, "0")}`;
        return new MemoryConsumer(memberId, broker, settings, metrics, onClosed);
      });
    },
    async close(): Promise<void> {
      await clients.close();
    },
  };
}
