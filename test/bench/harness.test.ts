import { describe, expect, it } from "vitest";
import { parsePerfTest } from "../../bench/cases/simulator.js";
import {
  type BenchCase,
  type BenchResult,
  markdownRow,
  peerRatios,
  percentile,
} from "../../bench/harness.js";

describe("bench harness", () => {
  it("computes nearest-rank percentiles", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 0.5)).toBe(50);
    expect(percentile(samples, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBeNull();
  });

  it("renders a Markdown row, and a failed case as FAILED", () => {
    const result: BenchResult = {
      case: "simulator.generate",
      backend: "none",
      params: { customers: 10 },
      events: 1000,
      seconds: 0.5,
      throughput: 2000,
      p50Ms: null,
      p99Ms: 3.5,
      cpuSecondsPerMillion: 1.5,
      peakRssMb: 120,
      extra: {},
      at: "2025-01-01T00:00:00Z",
      machine: "test",
    };
    expect(markdownRow(result)).toBe(
      "| simulator.generate | none | customers=10 | 2,000 | – | 3.5 | 1.5 | 120 |",
    );
    expect(markdownRow({ ...result, error: "boom" })).toContain("FAILED: boom");
  });

  it("reads kafka-producer-perf-test's summary line", () => {
    const output =
      "100 records sent, 50.0 records/sec\n" +
      "1000 records sent, 250000.0 records/sec (19.07 MB/sec), 12.30 ms avg latency, 80.00 ms max latency, 9 ms 50th, 30 ms 95th, 61 ms 99th, 79 ms 99.9th.\n" +
      "PEER_STATS 204800 1.50 0.25\n";
    const measured = parsePerfTest(output, 1000);
    expect(measured.seconds).toBeCloseTo(0.004);
    expect(measured.percentilesMs).toEqual({ p50: 9, p99: 61 });
    expect(measured.external).toEqual({ peakRssMb: 200, cpuSeconds: 1.75 });
    expect(() => parsePerfTest("garbage", 1000)).toThrow(/cannot read/);
  });

  it("shows our throughput as a ratio of the peer's, whichever side names the pair", () => {
    const base = {
      backend: "x",
      description: "",
      params: () => ({}),
      run: async () => ({ events: 0, seconds: 1 }),
    };
    const cases: BenchCase[] = [
      { ...base, id: "ours.a", comparesTo: "peer.a" },
      { ...base, id: "peer.a" },
      { ...base, id: "ours.b" },
      { ...base, id: "peer.b", peerFor: "ours.b" },
    ];
    const result = (id: string, throughput: number): BenchResult => ({
      case: id,
      backend: "x",
      params: {},
      events: 1,
      seconds: 1,
      throughput,
      p50Ms: null,
      p99Ms: null,
      cpuSecondsPerMillion: 0,
      peakRssMb: 0,
      extra: {},
      at: "",
      machine: "",
    });
    const lines = peerRatios(cases, [
      result("ours.a", 50),
      result("peer.a", 200),
      result("ours.b", 30),
      result("peer.b", 10),
    ]);
    expect(lines.slice(2)).toEqual([
      "| ours.a | peer.a | 50 | 200 | 0.25 |",
      "| ours.b | peer.b | 30 | 10 | 3.00 |",
    ]);
    expect(peerRatios(cases, [result("ours.a", 50)])).toEqual([]);
  });
});
