/**
 * Event → Redis freshness at fixed offered loads: the features processor on Kafka and Redis,
 * after a small backfill, receives live click events at 1,000/s, 10,000/s, or as fast as one
 * producer sends them ("max"). Latency = log timestamp (set at send) → the FeatureStore write
 * of the micro-batch holding the event acknowledged. Throughput = live events processed / s.
 * The generator is open-loop: it does not slow down when the processor falls behind.
 */
import type { BenchCase } from "../harness.js";
import { offerLoad } from "../tools.js";
import { liveClicks, startFeaturesRig } from "./rig.js";

const BACKFILL = { customers: 1000, days: 3, seed: 1 };

function freshnessCase(label: string, rate: number): BenchCase {
  return {
    id: `features.freshness.redis.${label}`,
    backend: "kafka+redis",
    description:
      rate > 0
        ? `event→Redis latency at an offered ${rate.toLocaleString("en-US")} events/s`
        : "event→Redis latency and throughput at the maximum rate one producer offers",
    params: (quick) => ({
      offeredRate: rate === 0 ? "max" : rate,
      seconds: quick ? 3 : 10,
      ...(rate === 0 ? { events: quick ? 100_000 : 300_000 } : {}),
      customers: BACKFILL.customers,
    }),
    async run(p) {
      const rig = await startFeaturesRig("kafka", BACKFILL);
      const clicks = await liveClicks(rig.log, rig.registry, rig.topics.clickstream, BACKFILL.customers);
      try {
        // Warm-up: the partitions' clocks jump from the backfill to today.
        const warm = await offerLoad({ rate: 1000, seconds: 1 }, clicks.send);
        await rig.waitConsumed(rig.backfillRecords + warm.events, 30_000);
        const before = rig.consumed();
        rig.storeLatency.open();
        const started = performance.now();
        const cpu = process.cpuUsage();
        const offered = await offerLoad(
          rate > 0
            ? { rate, seconds: Number(p.seconds) }
            : { rate: 0, seconds: 0, maxEvents: Number(p.events), batch: 2000 },
          clicks.send,
        );
        const caughtUp = await rig.waitConsumed(before + offered.events, 60_000);
        const seconds = (performance.now() - started) / 1000;
        const processed = rig.consumed() - before;
        const cpuUsed = process.cpuUsage(cpu);
        if (!caughtUp) throw new Error(`processed ${processed} of ${offered.events} live events in 60 s`);
        return {
          events: processed,
          // At a fixed rate the processor keeps up: throughput is the offered rate. At max it is
          // what was processed from first send to last write.
          seconds: rate > 0 ? offered.seconds : seconds,
          latencyMs: rig.storeLatency.samples,
          // Processor and generator (encode + produce) share this process: both are counted.
          cpuSeconds: (cpuUsed.user + cpuUsed.system) / 1e6,
          extra: {
            offered: offered.events,
            offeredPerSecond: Math.round(offered.events / offered.seconds),
            measured: rig.storeLatency.samples.length,
          },
        };
      } finally {
        await clicks.close();
        await rig.close();
      }
    },
  };
}

export const freshnessCases: readonly BenchCase[] = [
  freshnessCase("1k", 1000),
  freshnessCase("10k", 10_000),
  freshnessCase("max", 0),
];
