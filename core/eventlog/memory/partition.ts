/** One partition of the in-memory log: an append-only array of records with offsets. */
import type { LogRecord } from "../ports.js";

/**
 * Records of one partition. Retention by count: a `delete` partition drops its oldest records
 * (start offset moves up); a `compact` partition instead keeps the newest record of each key
 * (offsets get gaps, the start offset stays), like Kafka's log cleaner would eventually do.
 */
export class PartitionLog {
  /** Retained records, by increasing offset, from index `head`. */
  private records: LogRecord[] = [];
  private head = 0;
  private start = 0;
  private end = 0;
  /** Retained count right after the last compaction; compaction reruns when it doubles. */
  private compactedSize = 0;

  constructor(
    private readonly retention: number,
    private readonly compacted: boolean,
  ) {}

  /** The earliest retained offset. */
  get startOffset(): number {
    return this.start;
  }

  /** The offset the next appended record gets (the high watermark). */
  get endOffset(): number {
    return this.end;
  }

  /** Appends a record (its offset is assigned here) and applies retention. */
  append(record: Omit<LogRecord, "offset">): LogRecord {
    const stored: LogRecord = Object.freeze({ ...record, offset: this.end });
    this.records.push(stored);
    this.end += 1;
    this.enforceRetention();
    return stored;
  }

  /** Up to `max` records with offset ≥ `from`, in offset order. */
  read(from: number, max: number): LogRecord[] {
    let low = this.head;
    let high = this.records.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.records[mid]!.offset < from) low = mid + 1;
      else high = mid;
    }
    return this.records.slice(low, low + max);
  }

  /** Whether `offset` is a valid position: between the start and the end offset, inclusive. */
  inRange(offset: number): boolean {
    return offset >= this.start && offset <= this.end;
  }

  private enforceRetention(): void {
    const retained = this.records.length - this.head;
    if (this.compacted) {
      if (retained > Math.max(this.retention, this.compactedSize * 2)) this.compact();
      return;
    }
    if (retained <= this.retention) return;
    this.head += retained - this.retention;
    this.start = this.records[this.head]!.offset;
    // Reclaim the dropped prefix once it dominates the array; amortised O(1) per append.
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  private compact(): void {
    const latest = new Map<string, number>();
    const live = this.records.slice(this.head);
    live.forEach((record, index) => {
      latest.set(record.key === null ? `#${record.offset}` : record.key.toString("latin1"), index);
    });
    const keep = new Set(latest.values());
    this.records = live.filter((_, index) => keep.has(index));
    this.head = 0;
    this.compactedSize = this.records.length;
  }
}
