/**
 * A deterministic merge of a partition's two input topics into micro-batches. Pure.
 *
 * The clickstream and billing partitions p are separate logs that a consumer fetches in no
 * fixed interleaving. Processing them in fetch order would make the watermark (and so which
 * events are late, and when vectors are emitted) depend on network timing, and a replay after a
 * crash would not reproduce the original run. So records are merged by log timestamp (ties:
 * clickstream first), and a record is only taken once the other topic's next record is known
 * or that topic is known to be exhausted (its next offset reached the end offset last seen).
 * Micro-batches hold exactly `maxBatchRecords` merged records, except the last one before both
 * topics are exhausted. Given the same records, the micro-batches are therefore the same
 * whatever the fetch timing, and restarting from a checkpoint (a micro-batch boundary)
 * continues the same sequence.
 */

/** What the merge needs of a buffered record. */
export interface MergeEntry {
  readonly offset: number;
  /** Log timestamp (arrival time), epoch ms. */
  readonly timestamp: number;
}

/** The records buffered for one topic-partition, in offset order. */
export class TopicQueue<E extends MergeEntry> {
  #entries: E[] = [];
  #head = 0;
  /** The offset after the last buffered (or processed) record. */
  bufferedEnd: number;
  /** The topic-partition's end offset as last seen (batch high watermark or admin query). */
  knownEnd: number;
  /**
   * Set by the last `nextMicroBatch` that could not cut a batch: true when it stopped because
   * this queue ran dry while the log has more of it. A starved topic must never stay paused.
   */
  starved = false;

  constructor(nextOffset: number, knownEnd: number) {
    this.bufferedEnd = nextOffset;
    this.knownEnd = knownEnd;
  }

  /** Records buffered and not taken yet. */
  get length(): number {
    return this.#entries.length - this.#head;
  }

  /** True when every record up to the last known end offset was buffered. */
  get exhausted(): boolean {
    return this.bufferedEnd >= this.knownEnd;
  }

  /** Appends a record; records at offsets already buffered are ignored (redelivery). */
  push(entry: E): boolean {
    if (entry.offset < this.bufferedEnd) return false;
    this.#entries.push(entry);
    this.bufferedEnd = entry.offset + 1;
    if (this.bufferedEnd > this.knownEnd) this.knownEnd = this.bufferedEnd;
    return true;
  }

  peek(i: number): E | undefined {
    return this.#entries[this.#head + i];
  }

  /** Drops the first `n` records. */
  take(n: number): void {
    this.#head += n;
    // Compact now and then so the array does not grow without bound.
    if (this.#head > 4096 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Forgets every buffered record; the next record expected is `nextOffset`. */
  reset(nextOffset: number): void {
    this.#entries = [];
    this.#head = 0;
    this.bufferedEnd = nextOffset;
  }
}

/**
 * Takes the next micro-batch from the two queues, or null when it is not determined yet (one
 * topic has nothing buffered but more records on the log) or there is nothing to take.
 * @param force treat both topics as exhausted (the runner's stall timeout: records the log
 *   announced never came, e.g. transaction markers or deleted segments).
 */
export function nextMicroBatch<E extends MergeEntry>(
  clickstream: TopicQueue<E>,
  billing: TopicQueue<E>,
  maxBatchRecords: number,
  force = false,
): E[] | null {
  const clickDone = force || clickstream.exhausted;
  const billingDone = force || billing.exhausted;
  const out: E[] = [];
  let i = 0;
  let j = 0;
  while (out.length < maxBatchRecords) {
    const a = clickstream.peek(i);
    const b = billing.peek(j);
    if (a !== undefined && b !== undefined) {
      if (b.timestamp < a.timestamp) {
        out.push(b);
        j++;
      } else {
        out.push(a);
        i++;
      }
    } else if (a !== undefined && billingDone) {
      out.push(a);
      i++;
    } else if (b !== undefined && clickDone) {
      out.push(b);
      j++;
    } else break;
  }
  const drained = i === clickstream.length && j === billing.length;
  clickstream.starved = i === clickstream.length && !clickDone;
  billing.starved = j === billing.length && !billingDone;
  if (out.length === 0) return null;
  if (out.length < maxBatchRecords && !(drained && clickDone && billingDone)) return null;
  clickstream.starved = false;
  billing.starved = false;
  clickstream.take(i);
  billing.take(j);
  return out;
}
