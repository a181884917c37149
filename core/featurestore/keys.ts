/**
 * Names the scorer writes into the FeatureStore and the API reads: one place, so writer and
 * reader cannot drift apart.
 */

/** Hash fields of a customer's entry written by the scorer (next to the feature fields). */
export const ScoreFields = {
  /** Champion score, 0..1, as a decimal string. */
  score: "score",
  /** LOW | MEDIUM | HIGH | CRITICAL. */
  riskBand: "risk_band",
  /** Registry version of the champion that scored. */
  modelVersion: "model_version",
  /** Wall-clock time of scoring, epoch ms. */
  scoredAtTs: "scored_at_ts",
  /** as_of_ts of the features scored, epoch ms. */
  scoreAsOfTs: "score_as_of_ts",
  /** JSON array of {feature, value, contribution}, largest contribution first (at most 3). */
  reasons: "reasons",
  /** Challenger score in shadow, when a challenger exists. */
  shadowScore: "shadow_score",
  shadowModelVersion: "shadow_model_version",
} as const;

/**
 * Hash field that every entry the features processor writes holds and the scorer never writes:
 * a customer's entry exists while it holds this field. The scorer writes its fields only on that
 * condition, so a hash holding score fields alone is never an entry.
 */
export const ENTRY_FIELD = "customer_id";

/** Hash field the features processor writes: the country of the customer's latest session. */
export const COUNTRY_FIELD = "country";

/** Sorted sets of current champion scores (member = customer_id, score = churn score). */
export const AtRiskSets = {
  all: "churn:at-risk",
  byPlan: (plan: string) => `churn:at-risk:plan:${plan}`,
  byCountry: (country: string) => `churn:at-risk:country:${country}`,
} as const;
