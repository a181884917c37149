/**
 * At-risk lists filtered by both plan and country scan at most serving.maxAtRiskScan members per
 * request: a selective filter answers short pages with next_offset, and following next_offset
 * yields the whole filtered list once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import { createTestApi, type SeedCustomer, type TestApi } from "./support.js";

const MAX_SCAN = 20;

/**
 * 100 PRO and 100 BASIC customers, 100 in DE: all BASIC but 5 are in DE, so both filter sets
 * hold 100 members and PRO ∩ DE holds 5, spread through the ranking.
 */
const CUSTOMERS: SeedCustomer[] = Array.from({ length: 200 }, (_, i) => {
  const pro = i % 2 === 0;
  const proInDe = pro && i % 40 === 0;
  const basicInDe = !pro && i !== 1 && i !== 3 && i !== 5 && i !== 7 && i !== 9;
  return {
    id: `c-${String(i).padStart(3, "0")}`,
    plan: pro ? "PRO" : "BASIC",
    country: proInDe || basicInDe ? "DE" : "FR",
    score: 1 - i / 1000,
  };
});
const EXPECTED = CUSTOMERS.filter((c) => c.plan === "PRO" && c.country === "DE").map((c) => c.id);

interface Page {
  items: { customer_id: string }[];
  next_offset: number | null;
  scanned_set_size: number;
}

describe("GET /v1/customers/at-risk with plan and country", () => {
  let api: TestApi;
  /** Members each request read from a sorted set. */
  let read = 0;
  const counting = (store: FeatureStore): FeatureStore =>
    new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "zrevrange") {
          return async (set: string, offset: number, limit: number) => {
            const members = await target.zrevrange(set, offset, limit);
            read += members.length;
            return members;
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });

  beforeAll(async () => {
    api = await createTestApi({
      options: { maxAtRiskScan: MAX_SCAN },
      customers: CUSTOMERS,
      wrapStore: counting,
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  const page = async (query: string): Promise<Page> => {
    read = 0;
    const res = await api.app.inject(`/v1/customers/at-risk?${query}`);
    expect(res.statusCode).toBe(200);
    expect(read).toBeLessThanOrEqual(MAX_SCAN);
    return res.json();
  };

  it("reads at most maxAtRiskScan members and answers a short page with next_offset", async () => {
    expect(EXPECTED).toHaveLength(5);
    const first = await page("plan=PRO&country=DE&limit=10");
    expect(first.items.length).toBeLessThan(10);
    expect(first.next_offset).toBe(MAX_SCAN);
    expect(first.scanned_set_size).toBe(100);
  });

  it("following next_offset yields exactly the filtered list, in order, without duplicates", async () => {
    for (const limit of [1, 2, 10]) {
      const ids: string[] = [];
      let offset: number | null = 0;
      let pages = 0;
      while (offset !== null) {
        const p: Page = await page(`plan=PRO&country=DE&limit=${limit}&offset=${offset}`);
        ids.push(...p.items.map((i) => i.customer_id));
        offset = p.next_offset;
        pages++;
        expect(pages).toBeLessThan(200);
      }
      expect(ids).toEqual(EXPECTED);
    }
  });

  it("does not cap a single filter: its page is one range of the set", async () => {
    const p = await page("plan=PRO&limit=15");
    expect(p.items).toHaveLength(15);
    expect(p.next_offset).toBe(15);
  });
});
