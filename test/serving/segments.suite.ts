/**
 * The segment queries on a warehouse filled by seedSegments: run on DuckDB (unit) and on
 * ClickHouse (integration), same SQL, same answers. Expectations are derived from the fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atRiskRevenue, churnBySegment } from "../../serving/segments.js";
import type { Warehouse } from "../../sinks/ports.js";
import { SEGMENT_CUSTOMERS, seedSegments } from "./support.js";

function expected(key: "plan" | "country") {
  const groups = new Map<string, (typeof SEGMENT_CUSTOMERS)[number][]>();
  for (const c of SEGMENT_CUSTOMERS) groups.set(c[key], [...(groups.get(c[key]) ?? []), c]);
  return [...groups].map(([segment, cs]) => {
    const scored = cs.filter((c) => c.score !== null);
    return {
      segment,
      customers: cs.length,
      churned: cs.filter((c) => c.churned).length,
      churn_rate: cs.filter((c) => c.churned).length / cs.length,
      scored: scored.length,
      mean_score: scored.length === 0 ? null : scored.reduce((s, c) => s + (c.score ?? 0), 0) / scored.length,
    };
  });
}

export function describeSegments(name: string, open: () => Promise<Warehouse>, drop?: () => Promise<void>) {
  describe(`segment queries on ${name}`, () => {
    let wh: Warehouse;
    beforeAll(async () => {
      wh = await open();
      await seedSegments(wh);
    });
    afterAll(async () => {
      await wh?.close();
      await drop?.();
    });

    for (const dimension of ["plan", "country"] as const) {
      it(`churn rate and mean score by ${dimension}`, async () => {
        const rows = await churnBySegment(wh, dimension);
        const want = expected(dimension);
        expect(rows.map((r) => r.segment).sort()).toEqual(want.map((r) => r.segment).sort());
        for (const w of want) {
          const got = rows.find((r) => r.segment === w.segment)!;
          expect(got).toMatchObject({ customers: w.customers, churned: w.churned, scored: w.scored });
          expect(got.churn_rate).toBeCloseTo(w.churn_rate, 9);
          if (w.mean_score === null) expect(got.mean_score).toBeNull();
          else expect(got.mean_score).toBeCloseTo(w.mean_score, 9);
        }
        // Largest segments first.
        expect(rows.map((r) => r.customers)).toEqual([...rows.map((r) => r.customers)].sort((a, b) => b - a));
      });
    }

    it("filters one segment, with a value that needs escaping answered as empty", async () => {
      const de = await churnBySegment(wh, "country", "DE");
      expect(de.map((r) => r.segment)).toEqual(["DE"]);
      expect(await churnBySegment(wh, "plan", "PRO' OR '1'='1")).toEqual([]);
    });

    it("sums the monthly revenue of active customers in the risk bands", async () => {
      const bands = ["HIGH", "CRITICAL"];
      const atRisk = SEGMENT_CUSTOMERS.filter((c) => !c.churned && c.band !== null && bands.includes(c.band));
      const got = await atRiskRevenue(wh, bands);
      expect(got.customers).toBe(atRisk.length);
      expect(got.monthly_revenue_cents).toBe(atRisk.reduce((s, c) => s + c.price, 0));
      expect(got.by_plan.map((r) => r.plan).sort()).toEqual([...new Set(atRisk.map((c) => c.plan))].sort());
      expect((await atRiskRevenue(wh, ["MEDIUM"])).customers).toBe(0);
    });
  });
}
