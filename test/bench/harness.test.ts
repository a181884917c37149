import { describe, expect, it } from "vitest";
import { parsePerfTest } from "../../bench/cases/simulator.js";
import { type BenchResult, markdownRow, percentile } from "../../bench/harness.js";

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
});
