/**
 * Checkpoints: a partition's logic state together with the offsets (of both input topics) it
 * reflects, as one binary blob in the FeatureStore. Writing state and offsets in one value is
 * what keeps them consistent: restoring a checkpoint and seeking to its offsets resumes the
 * exact micro-batch sequence.
 */
import { ChurnError } from "../../core/errors.js";
import { BinaryReader, BinaryWriter } from "./binary.js";
import { CustomerState, DAY_COLS, DAY_SLOTS, HOUR_SLOTS, MINUTE_SLOTS, RING_COLS } from "./customer.js";
import { createPartitionState, type LogicOptions, type PartitionState, type TopicCounters } from "./logic.js";

const MAGIC = 0x31465343; // "CSF1" little-endian
const VERSION = 2;

/** Next offsets to process, per input topic. */
export interface PartitionOffsets {
  clickstream: number;
  billing: number;
}

export interface Checkpoint {
  readonly state: PartitionState;
  readonly offsets: PartitionOffsets;
}

/** Blob key of a partition's checkpoint. */
export function checkpointKey(prefix: string, groupId: string, partition: number): string {
  return `${prefix}:${groupId}:${partition}`;
}

function writeList(w: BinaryWriter, list: readonly number[] | null): void {
  if (list === null) {
    w.u32(0xffffffff);
    return;
  }
  w.u32(list.length);
  for (const v of list) w.f64(v);
}

function readList(r: BinaryReader): number[] | null {
  const n = r.u32();
  if (n === 0xffffffff) return null;
  const list: number[] = [];
  for (let i = 0; i < n; i++) list.push(r.f64());
  return list;
}

function writeCustomer(w: BinaryWriter, c: CustomerState): void {
  w.str(c.id);
  for (const v of [
    c.firstEventTs,
    c.lastEventTs,
    c.lastLoginTs,
    c.lastPaymentTs,
    c.planTs,
    c.priceCents,
    c.priceTs,
    c.lifecycleTs,
    c.eventsTotal,
    c.lateAbsorbed,
    c.minuteHead,
    c.hourHead,
    c.dayHead,
    c.activeHead,
  ])
    w.f64(v);
  w.u32(c.activeMask);
  w.u8((c.cancelled ? 1 : 0) | (c.minutes ? 2 : 0) | (c.hours ? 4 : 0) | (c.days ? 8 : 0));
  w.str(c.plan);
  w.str(c.country);
  w.f64(c.countryTs);
  if (c.minutes) w.bytes(c.minutes);
  if (c.hours) w.bytes(c.hours);
  if (c.days) w.bytes(c.days);
  writeList(w, c.sessions);
  writeList(w, c.failedPayments);
  writeList(w, c.refunds);
  writeList(w, c.downgrades);
}

function readCustomer(r: BinaryReader): CustomerState {
  const c = new CustomerState(r.str());
  c.firstEventTs = r.f64();
  c.lastEventTs = r.f64();
  c.lastLoginTs = r.f64();
  c.lastPaymentTs = r.f64();
  c.planTs = r.f64();
  c.priceCents = r.f64();
  c.priceTs = r.f64();
  c.lifecycleTs = r.f64();
  c.eventsTotal = r.f64();
  c.lateAbsorbed = r.f64();
  c.minuteHead = r.f64();
  c.hourHead = r.f64();
  c.dayHead = r.f64();
  c.activeHead = r.f64();
  c.activeMask = r.u32();
  const flags = r.u8();
  c.cancelled = (flags & 1) !== 0;
  c.plan = r.str();
  c.country = r.str();
  c.countryTs = r.f64();
  if (flags & 2) c.minutes = r.into(new Uint16Array(MINUTE_SLOTS * RING_COLS));
  if (flags & 4) c.hours = r.into(new Uint32Array(HOUR_SLOTS * RING_COLS));
  if (flags & 8) c.days = r.into(new Uint32Array(DAY_SLOTS * DAY_COLS));
  c.sessions = readList(r) ?? [];
  c.failedPayments = readList(r);
  c.refunds = readList(r);
  c.downgrades = readList(r);
  return c;
}

const COUNTER_KEYS = ["folded", "absorbed", "late", "duplicates"] as const satisfies (keyof TopicCounters)[];

/** Serialises a checkpoint. Call at a micro-batch boundary (no pending changed customers). */
export function encodeCheckpoint({ state, offsets }: Checkpoint): Buffer {
  const w = new BinaryWriter();
  w.u32(MAGIC);
  w.u8(VERSION);
  w.f64(offsets.clickstream);
  w.f64(offsets.billing);
  w.f64(state.clockTs);
  w.f64(state.watermarkTs);
  w.f64(state.lastEmitDay);
  for (const topic of ["clickstream", "billing"] as const)
    for (const key of COUNTER_KEYS) w.f64(state.counters[topic][key]);
  w.f64(state.counters.compacted);
  w.f64(state.counters.dropped);
  w.u32(state.featureIds.size);
  for (const name of state.featureIds.keys()) w.str(name);
  w.u32(state.dedup.ids.size);
  for (const [id, ts] of state.dedup.ids) {
    w.str(id);
    w.f64(ts);
  }
  w.u32(state.customers.size);
  for (const c of state.customers.values()) writeCustomer(w, c);
  w.u32(state.dormant.size);
  for (const c of state.dormant.values()) writeCustomer(w, c);
  return w.finish();
}

/**
 * Restores a checkpoint written by {@link encodeCheckpoint}, with the logic options of now.
 * @throws ChurnError CHURN_PROC_CHECKPOINT_INVALID when the blob is not a checkpoint of this version
 */
export function decodeCheckpoint(blob: Buffer, options: LogicOptions): Checkpoint {
  const r = new BinaryReader(blob);
  const magic = r.u32();
  const version = r.u8();
  if (magic !== MAGIC || version !== VERSION) {
    throw new ChurnError(
      "CHURN_PROC_CHECKPOINT_INVALID",
      `blob is not a features checkpoint of version ${VERSION} (magic ${magic.toString(16)}, version ${version}): delete it to rebuild the partition from the log`,
    );
  }
  const offsets = { clickstream: r.f64(), billing: r.f64() };
  const state = createPartitionState(options);
  state.clockTs = r.f64();
  state.watermarkTs = r.f64();
  state.lastEmitDay = r.f64();
  for (const topic of ["clickstream", "billing"] as const)
    for (const key of COUNTER_KEYS) state.counters[topic][key] = r.f64();
  state.counters.compacted = r.f64();
  state.counters.dropped = r.f64();
  const features = r.u32();
  for (let i = 0; i < features; i++) state.featureIds.set(r.str(), i);
  const ids = r.u32();
  for (let i = 0; i < ids; i++) state.dedup.add(r.str(), r.f64());
  const customers = r.u32();
  for (let i = 0; i < customers; i++) {
    const c = readCustomer(r);
    state.customers.set(c.id, c);
  }
  const dormant = r.u32();
  for (let i = 0; i < dormant; i++) {
    const c = readCustomer(r);
    state.dormant.set(c.id, c);
  }
  if (!r.done) {
    throw new ChurnError(
      "CHURN_PROC_CHECKPOINT_INVALID",
      "checkpoint has trailing bytes: it was written by another version; delete it to rebuild the partition from the log",
    );
  }
  return { state, offsets };
}

/** Approximate heap bytes of a customer (object, map entry, typed arrays, lists). */
export function estimateCustomerBytes(c: CustomerState): number {
  // ~40 fields of a V8 object, the Map entry and the id string; typed arrays add ~100 B headers.
  let bytes = 200 + c.id.length;
  if (c.minutes) bytes += 100 + c.minutes.byteLength;
  if (c.hours) bytes += 100 + c.hours.byteLength;
  if (c.days) bytes += 100 + c.days.byteLength;
  bytes += 16 + c.sessions.length * 8;
  for (const list of [c.failedPayments, c.refunds, c.downgrades]) if (list) bytes += 16 + list.length * 8;
  return bytes;
}
