/**
 * Where encoded records go: the EventLog (embedded or Kafka), an NDJSON file for inspection, or
 * nowhere (benchmarks). Every sink surfaces delivery errors: a failed send rejects the next
 * `write` or the `flush`, never silently.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { ChurnError, errorMessage, isChurnError } from "../core/errors.js";
import type { Producer } from "../core/eventlog/ports.js";
import type { EncodedRecord } from "./encode.js";
import type { ProducerMetrics } from "./metrics.js";

export interface RecordSink {
  /**
   * Hands over one batch of one topic, in order. May resolve before the batch is durable (the
   * EventLog sink keeps one send in flight per topic) but never reorders a topic's batches.
   * @throws the error of an earlier failed send (ChurnError CHURN_LOG_* from the log)
   */
  write(topic: string, records: readonly EncodedRecord[]): Promise<void>;
  /** Waits until everything written is durable. @throws the first delivery error */
  flush(): Promise<void>;
  /** Flushes and releases the sink's resources (not the EventLog it was given). */
  close(): Promise<void>;
}

/** Counts records by event type (MALFORMED for corrupt ones) for the produced-events metric. */
function countTypes(topic: string, records: readonly EncodedRecord[], metrics: ProducerMetrics): void {
  const counts = new Map<string, number>();
  let bytes = 0;
  for (const r of records) {
    const type = r.source.malformed === null ? r.source.event.type : "MALFORMED";
    counts.set(type, (counts.get(type) ?? 0) + 1);
    bytes += r.key.length + r.value.length;
  }
  for (const [type, n] of counts) metrics.produced(topic, type, n);
  metrics.bytes(topic, bytes);
}

/** Produces to an EventLog producer, pipelining one send per topic. */
export function createEventLogSink(producer: Producer, metrics: ProducerMetrics): RecordSink {
  const inFlight = new Map<string, Promise<void>>();
  let failure: unknown;
  const rethrow = (): void => {
    if (failure === undefined) return;
    if (isChurnError(failure)) throw failure;
    throw new ChurnError("CHURN_LOG_UNAVAILABLE", `producing failed: ${errorMessage(failure)}`, {
      cause: failure,
    });
  };
  const flush = async (): Promise<void> => {
    await Promise.all(inFlight.values());
    rethrow();
  };
  return {
    async write(topic, records) {
      rethrow();
      await inFlight.get(topic);
      rethrow();
      if (records.length === 0) return;
      const started = performance.now();
      const sending = producer
        .send(
          topic,
          records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp })),
        )
        .then(
          () => {
            metrics.sendSeconds(topic, (performance.now() - started) / 1000);
            countTypes(topic, records, metrics);
          },
          (error: unknown) => {
            metrics.sendFailed(topic);
            failure ??= error;
          },
        );
      inFlight.set(topic, sending);
    },
    flush,
    close: flush,
  };
}

/** One JSON line per record: the decoded event, or the raw bytes of a malformed record. */
export function ndjsonLine(record: EncodedRecord): string {
  const { source } = record;
  const head = { topic: record.topic, key: record.key.toString(), timestamp: record.timestamp };
  if (source.malformed !== null) {
    return JSON.stringify({
      ...head,
      malformed: source.malformed.kind,
      value_base64: record.value.toString("base64"),
    });
  }
  return JSON.stringify({ ...head, event: source.event });
}

/** Writes records to an NDJSON file (for inspection; `--out`). */
export function createNdjsonSink(path: string, metrics: ProducerMetrics): RecordSink {
  const stream: WriteStream = createWriteStream(path, { encoding: "utf8" });
  let failure: unknown;
  stream.on("error", (error) => {
    failure ??= error;
  });
  const rethrow = (): void => {
    if (failure !== undefined) {
      throw new ChurnError("CHURN_SIM_OUTPUT_FAILED", `cannot write ${path}: ${errorMessage(failure)}`, {
        cause: failure,
      });
    }
  };
  let closed: Promise<void> | undefined;
  return {
    async write(topic, records) {
      rethrow();
      let text = "";
      for (const record of records) text += `${ndjsonLine(record)}\n`;
      if (!stream.write(text)) await Promise.race([once(stream, "drain"), once(stream, "error")]);
      rethrow();
      countTypes(topic, records, metrics);
    },
    async flush() {
      rethrow();
    },
    close() {
      closed ??= new Promise<void>((resolve) => stream.end(resolve)).then(rethrow);
      return closed;
    },
  };
}

/** Drops records after counting them (generation benchmarks). */
export function createDiscardSink(metrics: ProducerMetrics): RecordSink {
  return {
    async write(topic, records) {
      countTypes(topic, records, metrics);
    },
    async flush() {},
    async close() {},
  };
}
