/**
 * Customer views built from FeatureStore hashes: the features processor writes the feature
 * fields (`featuresToHash`), the scorer the score fields (`ScoreFields`), so one hash read gives
 * a customer's features, their freshness and the latest score.
 */
import { COUNTRY_FIELD, ScoreFields } from "../core/featurestore/keys.js";
import type { FeatureHash } from "../core/featurestore/ports.js";
import { FEATURE_HASH_FIELDS, hashToFeatures } from "../processors/features/vector.js";
import type { CustomerFeatures, ScoreReason } from "../schemas/types.js";

/** The latest champion score of a customer, as the scorer stored it. */
export interface CustomerScore {
  score: number;
  risk_band: string;
  model_version: string;
  /** Wall-clock time of scoring, epoch ms. */
  scored_at_ts: number | null;
  /** as_of_ts of the features that were scored, epoch ms. */
  features_as_of_ts: number | null;
  reasons: ScoreReason[];
  /** The challenger's score in shadow, when one exists. */
  shadow: { score: number; model_version: string } | null;
}

/** GET /v1/customers/:id. */
export interface CustomerView {
  customer_id: string;
  country: string | null;
  /** Features as of `freshness.as_of_ts` (names as in docs/features.md). */
  features: Omit<CustomerFeatures, "customer_id" | "as_of_ts" | "watermark_ts" | "late_events_absorbed">;
  freshness: {
    /** Event time the features are as of, epoch ms. */
    as_of_ts: number;
    /** Watermark of the customer's partition when they were computed, epoch ms. */
    watermark_ts: number;
    /** Out-of-order events folded in within the allowed lateness. */
    late_events_absorbed: number;
    /** Wall clock − as_of_ts, seconds (how old the features are). */
    age_seconds: number;
  };
  /** The latest score, null when the scorer has not scored the customer yet. */
  score: CustomerScore | null;
}

/** The hash fields a customer view reads: the features, the country and the score fields. */
export const CUSTOMER_VIEW_FIELDS: readonly string[] = Object.freeze([
  ...FEATURE_HASH_FIELDS,
  COUNTRY_FIELD,
  ...Object.values(ScoreFields),
]);

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined || text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** Parses the reasons JSON the scorer stores; a malformed value reads as no reasons. */
export function parseReasons(text: string | undefined): ScoreReason[] {
  if (text === undefined || text === "") return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((r): r is ScoreReason => typeof r === "object" && r !== null && typeof r.feature === "string")
      .map((r) => ({
        feature: r.feature,
        value: typeof r.value === "number" ? r.value : null,
        contribution: Number(r.contribution) || 0,
      }));
  } catch {
    return [];
  }
}

/** The score fields of a hash, or null when the customer has no score yet. */
export function scoreOf(hash: FeatureHash): CustomerScore | null {
  const score = numberOrNull(hash[ScoreFields.score]);
  if (score === null) return null;
  const shadowScore = numberOrNull(hash[ScoreFields.shadowScore]);
  return {
    score,
    risk_band: hash[ScoreFields.riskBand] ?? "",
    model_version: hash[ScoreFields.modelVersion] ?? "",
    scored_at_ts: numberOrNull(hash[ScoreFields.scoredAtTs]),
    features_as_of_ts: numberOrNull(hash[ScoreFields.scoreAsOfTs]),
    reasons: parseReasons(hash[ScoreFields.reasons]),
    shadow:
      shadowScore === null
        ? null
        : { score: shadowScore, model_version: hash[ScoreFields.shadowModelVersion] ?? "" },
  };
}

/**
 * The customer view of a hash; undefined when the hash holds no complete feature record (a
 * score written for a customer whose features expired).
 */
export function customerView(hash: FeatureHash, now: number): CustomerView | undefined {
  const parsed = hashToFeatures(hash);
  if (parsed === undefined) return undefined;
  const { customer_id, as_of_ts, watermark_ts, late_events_absorbed, ...features } = parsed;
  return {
    customer_id,
    country: hash[COUNTRY_FIELD] || null,
    features,
    freshness: {
      as_of_ts,
      watermark_ts,
      late_events_absorbed,
      age_seconds: Math.max(0, Math.round((now - as_of_ts) / 1000)),
    },
    score: scoreOf(hash),
  };
}
