/**
 * Event ids seen within a bounded event-time horizon, for deduplication. Ids are grouped by the
 * minute of their event time so that eviction drops whole minutes without scanning every id.
 */
import { MINUTE_MS, minuteOf } from "./time.js";

export class DedupSet {
  /** Event id → event time. */
  readonly ids = new Map<string, number>();
  /** Minute bucket → ids whose event time falls in it, in insertion order. */
  readonly byMinute = new Map<number, string[]>();

  /** Number of ids kept. */
  get size(): number {
    return this.ids.size;
  }

  /**
   * True when `id` is kept and would not be evicted by `evictBefore(cutoffTs)`: the answer does
   * not depend on when eviction last ran, so dedup decisions do not depend on micro-batching.
   */
  has(id: string, cutoffTs = Number.NEGATIVE_INFINITY): boolean {
    const ts = this.ids.get(id);
    return ts !== undefined && (minuteOf(ts) + 1) * MINUTE_MS > cutoffTs;
  }

  add(id: string, ts: number): void {
    this.ids.set(id, ts);
    const minute = minuteOf(ts);
    const bucket = this.byMinute.get(minute);
    if (bucket === undefined) this.byMinute.set(minute, [id]);
    else bucket.push(id);
  }

  /**
   * Forgets the ids of minutes that end at or before `cutoffTs`: an id is kept at least until
   * its event time is `cutoffTs` old, and at most one minute longer.
   */
  evictBefore(cutoffTs: number): void {
    for (const [minute, bucket] of this.byMinute) {
      if ((minute + 1) * MINUTE_MS > cutoffTs) continue;
      for (const id of bucket) {
        const ts = this.ids.get(id);
        if (ts !== undefined && minuteOf(ts) === minute) this.ids.delete(id);
      }
      this.byMinute.delete(minute);
    }
  }
}
