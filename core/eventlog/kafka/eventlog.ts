/** The Kafka EventLog: kafkajs clients behind the port, built from compiled options. */
import kafkajs from "kafkajs";
import type { Logger } from "pino";
import { EventLogClients } from "../clients.js";
import { resolveConsumerSettings } from "../consumer-common.js";
import { createEventLogMetrics, type EventLogMetricsDeps } from "../metrics.js";
import type { Consumer, ConsumerOptions, EventLog, EventLogAdmin, Producer } from "../ports.js";
import { KafkaAdmin } from "./admin.js";
import { coPartitionAssigner } from "./assigner.js";
import { KafkaConsumer } from "./consumer.js";
import { kafkaLogCreator, kafkaLogLevel } from "./logger.js";
import { compileKafkaEventLogOptions, type KafkaEventLogOptionsInput } from "./options.js";
import { KafkaProducer } from "./producer.js";

const { Kafka } = kafkajs;

/** Optional dependencies of the Kafka log. */
export interface KafkaEventLogDeps extends EventLogMetricsDeps {
  /** Receives kafkajs's logs (kafkajs INFO is logged at debug). @default silent */
  logger?: Logger;
}

/**
 * Creates a Kafka event log. Connections open lazily (the first admin call, send or subscribe),
 * so creating it never fails on an unreachable broker; the first operation does, with
 * CHURN_LOG_UNAVAILABLE. Producers are idempotent (acks=all); consumers commit manually and
 * use the co-partitioning assigner of ../assignment.ts.
 * @throws ChurnError CHURN_CONFIG_INVALID on bad options.
 */
export function createKafkaEventLog(
  options: KafkaEventLogOptionsInput = {},
  deps: KafkaEventLogDeps = {},
): EventLog {
  const compiled = compileKafkaEventLogOptions(options);
  const metrics = createEventLogMetrics(deps);
  const retry = { retries: compiled.retries, initialRetryTime: compiled.initialRetryTimeMs };
  const kafka = new Kafka({
    brokers: [...compiled.brokers],
    clientId: compiled.clientId,
    connectionTimeout: compiled.connectionTimeoutMs,
    requestTimeout: compiled.requestTimeoutMs,
    retry,
    logLevel: kafkaLogLevel(deps.logger),
    logCreator: kafkaLogCreator(deps.logger),
  });
  const clients = new EventLogClients<KafkaProducer, KafkaConsumer>();
  const admin = new KafkaAdmin(kafka, compiled, clients.assertOpen);

  return {
    backend: "kafka",
    admin(): EventLogAdmin {
      clients.assertOpen();
      return admin;
    },
    producer(): Producer {
      return clients.producer((onClosed) => {
        const client = kafka.producer({
          idempotent: true,
          // kafkajs's idempotent producer keeps ordering only with one request in flight.
          maxInFlightRequests: 1,
          // kafkajs refuses an idempotent producer without retries. Bounded retries make an
          // unreachable broker surface as CHURN_LOG_UNAVAILABLE instead of a send that hangs;
          // kafkajs warns that a send given up on and re-sent by the caller may duplicate.
          retry: { ...retry, retries: Math.max(1, compiled.retries) },
          allowAutoTopicCreation: false,
          // Partitions are chosen by KafkaProducer; this only returns them (and silences
          // kafkajs's partitioner warning).
          createPartitioner:
            () =>
            ({ message }) =>
              message.partition ?? 0,
        });
        return new KafkaProducer(client, admin, compiled.brokers, metrics, onClosed, compiled.compression);
      });
    },
    consumer(consumerOptions: ConsumerOptions): Consumer {
      return clients.consumer((onClosed) => {
        const settings = resolveConsumerSettings(consumerOptions);
        const timings = compiled.consumer;
        const client = kafka.consumer({
          groupId: settings.groupId,
          partitionAssigners: [coPartitionAssigner],
          sessionTimeout: timings.sessionTimeoutMs,
          rebalanceTimeout: timings.rebalanceTimeoutMs,
          heartbeatInterval: timings.heartbeatIntervalMs,
          maxWaitTimeInMs: timings.maxWaitTimeMs,
          maxBytesPerPartition: timings.maxBytesPerPartition,
          allowAutoTopicCreation: false,
          retry,
        });
        return new KafkaConsumer(client, admin, settings, compiled.brokers, metrics, onClosed);
      });
    },
    async close(): Promise<void> {
      if (await clients.close()) await admin.close();
    },
  };
}
