/**
 * Coalesces the customer reads of concurrent requests into one FeatureStore round trip: reads
 * issued in the same turn of the event loop go out as one `readMany` (one Redis pipeline, one
 * socket write) instead of one each. Under load this cuts the system calls and the client's
 * per-command overhead, which dominate a lookup's cost; alone, a read waits one loop turn.
 */
import type { FeatureHash, FeatureStore } from "../core/featurestore/ports.js";
import { featureStoreDeadline } from "./http-errors.js";

interface Pending {
  id: string;
  resolve: (hash: FeatureHash | undefined) => void;
  reject: (error: unknown) => void;
}

/** Most reads per batch. */
const MAX_BATCH = 256;

/**
 * A `read(id)` that batches with the other reads of the same event-loop turn.
 * @param fields the hash fields to read (FeatureStore.readMany); all of them when omitted
 * @param timeoutMs deadline of each batch's round trip (featureStoreDeadline): every read of a
 *   batch that takes longer rejects with a retryable CHURN_STORE_UNAVAILABLE; none when omitted
 */
export function createBatchReader(
  store: FeatureStore,
  fields?: readonly string[],
  timeoutMs?: number,
): (customerId: string) => Promise<FeatureHash | undefined> {
  let pending: Pending[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH);
      pending = pending.slice(MAX_BATCH);
      const reads = store.readMany(
        batch.map((p) => p.id),
        fields,
      );
      (timeoutMs === undefined ? reads : featureStoreDeadline(reads, timeoutMs)).then(
        (hashes) => {
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(hashes[i]);
        },
        (error: unknown) => {
          for (const p of batch) p.reject(error);
        },
      );
    }
  };
  return (id) =>
    new Promise((resolve, reject) => {
      pending.push({ id, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
