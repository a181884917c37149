/**
 * Addresses of the real services integration tests run against.
 *
 * The provider is chosen by CHURNSTREAM_IT_PROVIDER: `native` (default; the stack that
 * `churnstream stack up` runs on this machine) or `testcontainers` (see ./testcontainers.ts).
 * Integration tests never skip: an unreachable service fails the test with a message saying
 * how to start it.
 */
export interface ServiceAddresses {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  redisUrl: string;
  clickhouseUrl: string;
}

export function nativeServiceAddresses(env: NodeJS.ProcessEnv = process.env): ServiceAddresses {
  return {
    kafkaBrokers: (env.CHURNSTREAM_IT_KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
    schemaRegistryUrl: env.CHURNSTREAM_IT_SCHEMA_REGISTRY_URL ?? "http://127.0.0.1:8081/apis/ccompat/v7",
    redisUrl: env.CHURNSTREAM_IT_REDIS_URL ?? "redis://127.0.0.1:6379",
    clickhouseUrl: env.CHURNSTREAM_IT_CLICKHOUSE_URL ?? "http://127.0.0.1:8123",
  };
}
