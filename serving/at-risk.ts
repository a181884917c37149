/**
 * At-risk lists from the sorted sets the scorer maintains (AtRiskSets): highest current champion
 * score first, paged, never a warehouse scan.
 *
 * With one filter (plan or country) the page is a range of that filter's set. With both, the
 * narrower set is paged through and its members filtered by the other attribute from their
 * hashes; `next_offset` is then a position in that set, so a client passes it back unchanged.
 * Such a scan reads at most `maxScan` members per request: a selective pair of filters answers a
 * short (even empty) page whose `next_offset` continues the scan, rather than one request reading
 * the whole set.
 */
import { AtRiskSets, COUNTRY_FIELD, ScoreFields } from "../core/featurestore/keys.js";
import type { FeatureHash, FeatureStore, ScoredMember } from "../core/featurestore/ports.js";
import { parseReasons } from "./customers.js";

/** Query of GET /v1/customers/at-risk. */
export interface AtRiskQuery {
  limit: number;
  /** Position in the scanned set to start at (a `next_offset` of a previous page). */
  offset: number;
  plan?: string | undefined;
  country?: string | undefined;
  /** Only scores ≥ this. */
  minScore?: number | undefined;
  /**
   * Most members read when both filters are given (the others are not read: with one filter or
   * none, every member read is an item of the page).
   * @default unlimited
   */
  maxScan?: number | undefined;
}

/** One customer of an at-risk page. */
export interface AtRiskItem {
  customer_id: string;
  score: number;
  risk_band: string | null;
  plan: string | null;
  country: string | null;
  monthly_price_cents: number | null;
  model_version: string | null;
  /** Feature names of the top reasons, largest first. */
  top_reasons: string[];
}

export interface AtRiskPage {
  items: AtRiskItem[];
  /** Offset of the next page; null when this page is the last. */
  next_offset: number | null;
  /** Members of the scanned set (every score, before min_score and the second filter). */
  scanned_set_size: number;
}

/** The hash fields an at-risk item reads (and the plan/country filters check). */
const ITEM_FIELDS = [
  ScoreFields.riskBand,
  "plan",
  COUNTRY_FIELD,
  "monthly_price_cents",
  ScoreFields.modelVersion,
  ScoreFields.reasons,
] as const;

function item(member: ScoredMember, hash: FeatureHash | undefined): AtRiskItem {
  const price = hash?.monthly_price_cents;
  return {
    customer_id: member.member,
    score: member.score,
    risk_band: hash?.[ScoreFields.riskBand] || null,
    plan: hash?.plan || null,
    country: hash?.[COUNTRY_FIELD] || null,
    monthly_price_cents: price === undefined || price === "" ? null : Number(price),
    model_version: hash?.[ScoreFields.modelVersion] || null,
    top_reasons: parseReasons(hash?.[ScoreFields.reasons]).map((r) => r.feature),
  };
}

/** Chooses the set to scan and, with both filters, the attribute to check in the hashes. */
async function plan(
  store: FeatureStore,
  query: AtRiskQuery,
): Promise<{ set: string; size: number; check?: { field: string; value: string } }> {
  const { plan: p, country: c } = query;
  if (p !== undefined && c !== undefined) {
    const [planSize, countrySize] = await Promise.all([
      store.zcard(AtRiskSets.byPlan(p)),
      store.zcard(AtRiskSets.byCountry(c)),
    ]);
    return planSize <= countrySize
      ? { set: AtRiskSets.byPlan(p), size: planSize, check: { field: COUNTRY_FIELD, value: c } }
      : { set: AtRiskSets.byCountry(c), size: countrySize, check: { field: "plan", value: p } };
  }
  const set =
    p !== undefined ? AtRiskSets.byPlan(p) : c !== undefined ? AtRiskSets.byCountry(c) : AtRiskSets.all;
  return { set, size: await store.zcard(set) };
}

/** One page of the at-risk list. */
export async function atRiskPage(store: FeatureStore, query: AtRiskQuery): Promise<AtRiskPage> {
  const { set, size, check } = await plan(store, query);
  const minScore = query.minScore ?? Number.NEGATIVE_INFINITY;
  const items: AtRiskItem[] = [];
  let position = query.offset;
  // Without a second filter one range read fills the page; with one, read a few pages' worth.
  const chunk = check === undefined ? query.limit : Math.max(query.limit * 4, 100);
  const end = check === undefined ? size : Math.min(size, position + (query.maxScan ?? size));
  while (items.length < query.limit && position < end) {
    const members = await store.zrevrange(set, position, Math.min(chunk, end - position));
    if (members.length === 0) break;
    const hashes = await store.readMany(
      members.map((m) => m.member),
      ITEM_FIELDS,
    );
    let consumed = 0;
    let belowMin = false;
    for (let i = 0; i < members.length && items.length < query.limit; i++) {
      const member = members[i]!;
      consumed++;
      if (member.score < minScore) {
        belowMin = true;
        break;
      }
      const hash = hashes[i];
      if (check !== undefined && hash?.[check.field] !== check.value) continue;
      items.push(item(member, hash));
    }
    position += consumed;
    if (belowMin) return { items, next_offset: null, scanned_set_size: size };
  }
  return { items, next_offset: position < size ? position : null, scanned_set_size: size };
}
