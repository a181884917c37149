/**
 * An EventLog whose producers hold their sends once `threshold` records went out, until
 * `release()`: the outage test stops ClickHouse at a known point of a live simulation, then lets
 * the producer go on while the warehouse is down (the sinks' lag must grow).
 */
import type { EventLog } from "../../../core/eventlog/ports.js";

export interface GatedLog {
  readonly log: EventLog;
  /** Resolves when a send reaches the threshold (it then waits for `release`). */
  readonly reached: Promise<void>;
  release(): void;
}

export function gatedLog(inner: EventLog, threshold: number): GatedLog {
  let sent = 0;
  let release!: () => void;
  let reach!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const log: EventLog = {
    backend: inner.backend,
    admin: () => inner.admin(),
    consumer: (options) => inner.consumer(options),
    close: () => inner.close(),
    producer() {
      const producer = inner.producer();
      return {
        async send(topic, records) {
          if (sent >= threshold) {
            reach();
            await gate;
          }
          sent += records.length;
          return producer.send(topic, records);
        },
        close: () => producer.close(),
      };
    },
  };
  return { log, reached, release };
}
