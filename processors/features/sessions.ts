/**
 * Session windows by inactivity gap, over event time. A customer's sessions that may still
 * change are kept as a flat, sorted list of `[start, end, start, end, ...]` event times in which
 * consecutive sessions are more than `gapMs` apart. An event within `gapMs` of a session joins
 * it; an event within `gapMs` of two sessions (a late event bridging them) merges them.
 */

/**
 * Adds event time `ts` to the open sessions `open` (mutated): extends, merges or creates one.
 * Two events exactly `gapMs` apart belong to the same session.
 */
export function insertSession(open: number[], ts: number, gapMs: number): void {
  const n = open.length;
  let first = 0;
  // Ends are sorted like starts (sessions never overlap): skip those that end too early.
  while (first < n && open[first + 1]! + gapMs < ts) first += 2;
  let last = first;
  let start = ts;
  let end = ts;
  while (last < n && open[last]! - gapMs <= ts) {
    if (open[last]! < start) start = open[last]!;
    if (open[last + 1]! > end) end = open[last + 1]!;
    last += 2;
  }
  open.splice(first, last - first, start, end);
}

/**
 * Removes from `open` the sessions no future event can change, because a non-late event has
 * `ts ≥ watermarkTs` and would be more than `gapMs` after their end; each is passed to `close`
 * in start order.
 */
export function closeSessions(
  open: number[],
  watermarkTs: number,
  gapMs: number,
  close: (startTs: number, endTs: number) => void,
): void {
  let closed = 0;
  while (closed < open.length && open[closed + 1]! + gapMs < watermarkTs) {
    close(open[closed]!, open[closed + 1]!);
    closed += 2;
  }
  if (closed > 0) open.splice(0, closed);
}
