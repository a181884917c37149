/** The embedded EventLog: a partitioned, replayable log with consumer groups, in this process. */
import { ChurnError } from "../../errors.js";
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
  const producers = new Set<MemoryProducer>();
  const consumers = new Set<MemoryConsumer>();
  let members = 0;
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new ChurnError("CHURN_LOG_CLOSED", "the event log is closed; create a new one");
  };
  const admin = new MemoryAdmin(broker, assertOpen);

  return {
    backend: "memory",
    admin(): EventLogAdmin {
      assertOpen();
      return admin;
    },
    producer(): Producer {
      assertOpen();
      const producer = new MemoryProducer(broker, metrics, (p) => producers.delete(p));
      producers.add(producer);
      return producer;
    },
    consumer(consumerOptions: ConsumerOptions): Consumer {
      assertOpen();
      members += 1;
      const settings = resolveConsumerSettings(consumerOptions);
      // Zero-padded so member ids sort in creation order: assignments are deterministic.
      const memberId = `member-${String(members).padStart(6, "0")}`;
      const consumer = new MemoryConsumer(memberId, broker, settings, metrics, (c) => consumers.delete(c));
      consumers.add(consumer);
      return consumer;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...consumers].map((c) => c.close()));
      await Promise.allSettled([...producers].map((p) => p.close()));
    },
  };
}
