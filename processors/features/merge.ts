/**
 * A deterministic merge of a partition's two input topics into micro-batches. Pure.
 *
 * The clickstream and billing partitions p are separate logs that a consumer fetches in no
 * fixed interleaving. Processing them in fetch order would make the watermark (and so which
 * events are late) depend on network timing, and a replay after a crash would not reproduce the
 * original run. So records are merged by log timestamp (ties: clickstream first): the order an
 * offline replay of the complete logs gives. A record is taken only once the merge knows no
 * record of the other topic must come before it: the other topic's next record is buffered, or
 * that topic is known to be *complete before* the record's timestamp.
 *
 * Completeness is what the runner observes of the log, never "I have read up to the end offset
 * I saw last" (with live producers that end is stale: the other topic may have older records
 * on the way). A probe reads topic Y's end offset `H` at wall time `P`; under the producer
 * assumption below, every record of Y with a log timestamp at or before that of a record of
 * topic X that was already visible (buffered) at `P - mergeWaitMs` has an offset below `H`. Once
 * Y is buffered up to `H`, Y is complete up to that timestamp (`observeEnd`).
 *
 * The producer assumption (documented with `mergeWaitMs`): a record is appended at most
 * `mergeWaitMs` after any record of the other topic of its partition with the same or a larger
 * timestamp became readable, and timestamps are non-decreasing per topic-partition. A single producer that
 * appends in timestamp order meets it with 0; producers that batch each topic separately need
 * their batching delay. Records that break it are merged in arrival order instead (still
 * processed once, but the result may differ from a replay).
 *
 * Micro-batches are cut wherever the determined records end: the logic's results do not depend
 * on batch boundaries (see logic.ts), only the merge order matters.
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
  /** Largest log timestamp buffered so far. */
  #lastTs = Number.NEGATIVE_INFINITY;
  /** Wall times at which records up to a log timestamp had been buffered, oldest first. */
  #marks: { at: number; ts: number }[] = [];
  /** Probe answers not reached yet (end offsets not buffered), by increasing end and proof. */
  #pending: { end: number; before: number }[] = [];
  /** The offset after the last buffered (or processed) record. */
  bufferedEnd: number;
  /** The topic-partition's end offset as last seen (batch high watermark or probe). */
  knownEnd: number;
  /** Every record of the topic-partition with a smaller log timestamp is buffered or taken. */
  completeBefore = Number.NEGATIVE_INFINITY;
  /**
   * Wall time since which a probe has announced records (offsets below its end) that were not
   * fetched yet, with no progress since; undefined when none are awaited.
   */
  awaitingSince: number | undefined;
  /**
   * The consumer's fetch cycle count (`Consumer.fetchCycles`) when that probe began; set and
   * cleared with `awaitingSince`.
   */
  awaitingCycle: number | undefined;
  /**
   * Set by the last `nextMicroBatch` that stopped short: true when this queue ran dry and the
   * other topic's next record waits for it. A starved topic must be probed and never paused.
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
    if (entry.timestamp > this.#lastTs) this.#lastTs = entry.timestamp;
    if (this.bufferedEnd > this.knownEnd) this.knownEnd = this.bufferedEnd;
    if (this.#pending.length > 0) {
      this.#applyReached();
      // Progress: announced records are coming; the stall clock restarts at the next probe.
      this.#stopAwaiting();
    }
    return true;
  }

  /** Notes that everything buffered so far was readable at wall time `at` (after a fetch). */
  markVisible(at: number): void {
    const last = this.#marks[this.#marks.length - 1];
    if (this.#lastTs === Number.NEGATIVE_INFINITY || (last !== undefined && last.ts >= this.#lastTs)) return;
    this.#marks.push({ at, ts: this.#lastTs });
  }

  /** The largest log timestamp that was buffered at wall time `at` or earlier (-∞ if none). */
  visibleAt(at: number): number {
    let k = 0;
    while (k + 1 < this.#marks.length && this.#marks[k + 1]!.at <= at) k++;
    // Older marks are superseded by the k-th for every later question.
    if (k > 0) this.#marks.splice(0, k);
    const mark = this.#marks[0];
    return mark !== undefined && mark.at <= at ? mark.ts : Number.NEGATIVE_INFINITY;
  }

  /**
   * A probe's answer: every record of this topic-partition with a log timestamp below `before`
   * has an offset below `end`. Proves completeness once the queue is buffered up to `end`.
   * `now` (stall clock) and `cycle` (the consumer's fetch cycles when the probe began) stamp
   * the start of the wait for records it announces.
   */
  observeEnd(end: number, before: number, now: number, cycle: number): void {
    if (end > this.knownEnd) this.knownEnd = end;
    const last = this.#pending[this.#pending.length - 1];
    if (before > Math.max(this.completeBefore, last?.before ?? Number.NEGATIVE_INFINITY)) {
      // Each answer is kept until reached: replacing an older one by a newer (larger end) could
      // starve the merge while a producer keeps the end moving.
      if (this.#pending.length < 64) this.#pending.push({ end, before });
      this.#applyReached();
    }
    if (this.#pending.length > 0 && this.awaitingSince === undefined) {
      this.awaitingSince = now;
      this.awaitingCycle = cycle;
    }
  }

  /** A probe failed (log unreachable): announced records are not overdue while it cannot answer. */
  probeFailed(): void {
    this.#stopAwaiting();
  }

  /**
   * Accepts the last probe without the records it announced (they never came: a transaction
   * marker, a deleted segment). Returns false when nothing was pending.
   */
  forcePending(): boolean {
    const last = this.#pending[this.#pending.length - 1];
    if (last === undefined) return false;
    if (last.before > this.completeBefore) this.completeBefore = last.before;
    this.#pending = [];
    this.#stopAwaiting();
    return true;
  }

  #stopAwaiting(): void {
    this.awaitingSince = undefined;
    this.awaitingCycle = undefined;
  }

  #applyReached(): void {
    let k = 0;
    while (k < this.#pending.length && this.#pending[k]!.end <= this.bufferedEnd) {
      const { before } = this.#pending[k]!;
      if (before > this.completeBefore) this.completeBefore = before;
      k++;
    }
    if (k > 0) this.#pending.splice(0, k);
    if (this.#pending.length === 0) this.#stopAwaiting();
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

  /** Forgets every buffered record and what was proven; the next record expected is `nextOffset`. */
  reset(nextOffset: number): void {
    this.#entries = [];
    this.#head = 0;
    this.#lastTs = Number.NEGATIVE_INFINITY;
    this.#marks = [];
    this.#pending = [];
    this.bufferedEnd = nextOffset;
    this.completeBefore = Number.NEGATIVE_INFINITY;
    this.#stopAwaiting();
    this.starved = false;
  }
}

/**
 * Takes the next micro-batch (up to `maxBatchRecords` merged records) from the two queues, or
 * null when no record is determined yet (one topic has nothing buffered and is not known to be
 * complete before the other's next record) or there is nothing to take.
 * @param force take whatever is buffered, as if both topics were complete (tests, shutdown aids)
 */
export function nextMicroBatch<E extends MergeEntry>(
  clickstream: TopicQueue<E>,
  billing: TopicQueue<E>,
  maxBatchRecords: number,
  force = false,
): E[] | null {
  const out: E[] = [];
  let i = 0;
  let j = 0;
  let starved: TopicQueue<E> | undefined;
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
    } else if (a !== undefined) {
      // Every billing record older than a must be here (a billing record as old goes after a).
      if (!force && billing.completeBefore < a.timestamp) {
        starved = billing;
        break;
      }
      out.push(a);
      i++;
    } else if (b !== undefined) {
      // Every click record as old as b must be here (ties: clickstream first).
      if (!force && clickstream.completeBefore <= b.timestamp) {
        starved = clickstream;
        break;
      }
      out.push(b);
      j++;
    } else break;
  }
  clickstream.starved = starved === clickstream;
  billing.starved = starved === billing;
  if (out.length === 0) return null;
  clickstream.take(i);
  billing.take(j);
  return out;
}
