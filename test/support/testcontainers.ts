import {
  GenericContainer,
  Network,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import type { ServiceAddresses } from "./services.js";

/**
 * The `testcontainers` provider: the same four services as the native stack, as containers, for
 * contributors who have a Docker engine (CHURNSTREAM_IT_PROVIDER=testcontainers). The CI machine
 * has none and uses the native provider; everything else (tests, addresses) is shared.
 *
 * Images match docker-compose.yml. Kafka's host listener is pinned to a fixed host port because
 * the broker must advertise the address clients dial.
 */

export interface StartedServices {
  addresses: ServiceAddresses;
  stop(): Promise<void>;
}

const KAFKA_HOST_PORT = 29092;

export async function startContainers(): Promise<StartedServices> {
  const network: StartedNetwork = await new Network().start();
  const started: StartedTestContainer[] = [];
  try {
    const kafka = await new GenericContainer("apache/kafka:4.1.1")
      .withNetwork(network)
      .withNetworkAliases("kafka")
      .withExposedPorts({ container: 9092, host: KAFKA_HOST_PORT })
      .withEnvironment({
        KAFKA_NODE_ID: "1",
        KAFKA_PROCESS_ROLES: "broker,controller",
        KAFKA_LISTENERS: "HOST://0.0.0.0:9092,DOCKER://0.0.0.0:19092,CONTROLLER://0.0.0.0:9093",
        KAFKA_ADVERTISED_LISTENERS: `HOST://127.0.0.1:${KAFKA_HOST_PORT},DOCKER://kafka:19092`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "HOST:PLAINTEXT,DOCKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
        KAFKA_INTER_BROKER_LISTENER_NAME: "DOCKER",
        KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
        KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka:9093",
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);

    const [registry, redis, clickhouse] = await Promise.all([
      new GenericContainer("confluentinc/cp-schema-registry:8.1.0")
        .withNetwork(network)
        .withExposedPorts(8081)
        .withEnvironment({
          SCHEMA_REGISTRY_HOST_NAME: "schema-registry",
          SCHEMA_REGISTRY_LISTENERS: "http://0.0.0.0:8081",
          SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: "PLAINTEXT://kafka:19092",
        })
        .withWaitStrategy(Wait.forHttp("/subjects", 8081))
        .start(),
      new GenericContainer("redis:7.4")
        .withExposedPorts(6379)
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept/))
        .start(),
      new GenericContainer("clickhouse/clickhouse-server:25.8")
        .withExposedPorts(8123)
        .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: "1" })
        .withWaitStrategy(Wait.forHttp("/ping", 8123))
        .start(),
    ]);
    started.push(registry, redis, clickhouse);

    return {
      addresses: {
        kafkaBrokers: [`127.0.0.1:${KAFKA_HOST_PORT}`],
        schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
        redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
        clickhouseUrl: `http://${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}`,
      },
      async stop() {
        await Promise.allSettled(started.map((c) => c.stop()));
        await network.stop();
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((c) => c.stop()));
    await network.stop();
    throw error;
  }
}
