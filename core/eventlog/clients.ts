/**
 * The producers and consumers an EventLog handed out, and whether it is closed: the lifecycle
 * both backends share, so `close()` reaches every client in the same order.
 */
import { ChurnError } from "../errors.js";

interface Closable {
  close(): Promise<void>;
}

/** Tracks the open clients of one EventLog; a client removes itself through `onClosed`. */
export class EventLogClients<P extends Closable, C extends Closable> {
  readonly #producers = new Set<P>();
  readonly #consumers = new Set<C>();
  #closed = false;

  /**
   * Bound, so it can be handed to the admin client as is.
   * @throws ChurnError CHURN_LOG_CLOSED after `close()`.
   */
  readonly assertOpen = (): void => {
    if (this.#closed) throw new ChurnError("CHURN_LOG_CLOSED", "the event log is closed; create a new one");
  };

  /**
   * Builds a producer with `create` and tracks it until it calls `onClosed`.
   * @throws ChurnError CHURN_LOG_CLOSED after `close()`, or what `create` throws.
   */
  producer(create: (onClosed: (producer: P) => void) => P): P {
    this.assertOpen();
    const producer = create((closed) => this.#producers.delete(closed));
    this.#producers.add(producer);
    return producer;
  }

  /**
   * Builds a consumer with `create` and tracks it until it calls `onClosed`.
   * @throws ChurnError CHURN_LOG_CLOSED after `close()`, or what `create` throws.
   */
  consumer(create: (onClosed: (consumer: C) => void) => C): C {
    this.assertOpen();
    const consumer = create((closed) => this.#consumers.delete(closed));
    this.#consumers.add(consumer);
    return consumer;
  }

  /**
   * Closes every client: consumers first (a batch in progress may still produce and commit),
   * then producers. Client errors are ignored: each client reports its own.
   * @returns false when the log was already closed (nothing was done).
   */
  async close(): Promise<boolean> {
    if (this.#closed) return false;
    this.#closed = true;
    await Promise.allSettled([...this.#consumers].map((c) => c.close()));
    await Promise.allSettled([...this.#producers].map((p) => p.close()));
    return true;
  }
}
