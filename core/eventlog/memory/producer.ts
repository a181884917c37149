/** A producer of the in-memory log: appends are synchronous, so every send is durable at once. */
import { ChurnError } from "../../errors.js";
import type { EventLogMetrics } from "../metrics.js";
import type { ProduceRecord, Producer, RecordPosition } from "../ports.js";
import type { MemoryBroker } from "./broker.js";

export class MemoryProducer implements Producer {
  private closed = false;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly metrics: EventLogMetrics,
    private readonly onClosed: (producer: MemoryProducer) => void,
  ) {}

  async send(topic: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> {
    if (this.closed) {
      throw new ChurnError("CHURN_LOG_CLOSED", "the producer is closed; create a new one to produce again", {
        details: { topic },
      });
    }
    const positions = this.broker.append(topic, records);
    if (positions.length > 0) this.metrics.produced(topic, positions.length);
    return positions;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this);
  }
}
