/**
 * The scorer's pure part: from a micro-batch's decoded inputs, the models' scores and the
 * customers' FeatureStore entries, the records to publish and the FeatureStore changes (score
 * fields, at-risk sorted sets). No I/O, no clock (the caller passes `now`).
 *
 * Every input record is scored and published. The FeatureStore and the sets take, per customer,
 * its latest features in the batch (highest `as_of_ts`, then offset) unless its entry already
 * holds a score of newer features; a tombstone after them (higher offset) removes the customer.
 * So the outcome does not depend on how the records were cut into batches.
 *
 * The entries were read before the writes go out, so each write carries its own conditions (the
 * entry still exists; it holds no newer score) and its at-risk set changes, which the store
 * checks and applies atomically: a delete or a newer score landing after the read wins.
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import { AtRiskSets, COUNTRY_FIELD, ENTRY_FIELD, ScoreFields } from "../../core/featurestore/keys.js";
import type { FeatureHash, HashWrite } from "../../core/featurestore/ports.js";
import type { ChurnScore, CustomerFeatures } from "../../schemas/types.js";
import { MODEL_FEATURES } from "../../training/model.js";
import { type LoadedModel, riskBand } from "./model.js";
import type { Reason } from "./reasons.js";

/** Fields the scorer keeps in a customer's entry: which plan and country sets it was ranked in. */
export const IndexedFields = {
  plan: "at_risk_plan",
  country: "at_risk_country",
} as const;

/** Sorted sets listing every plan and country that has an at-risk set (member = name, score 0). */
export const AtRiskIndex = {
  plans: "churn:at-risk:index:plans",
  countries: "churn:at-risk:index:countries",
} as const;

/** Width of a model input vector. */
export const VECTOR_WIDTH = MODEL_FEATURES.length;

/** A decoded features record: its features, or null for a tombstone (customer removed). */
export interface ScoreInput {
  readonly record: LogRecord;
  readonly customerId: string;
  readonly features: CustomerFeatures | null;
}

/** Scores of one model for the scored inputs, in order. */
export interface ModelScores {
  readonly model: LoadedModel;
  readonly scores: Float32Array;
  /** Reasons per scored input, when computed for the whole batch (else computed here). */
  readonly reasons?: readonly Reason[][] | undefined;
}

export interface ScoreBatch {
  /** Decoded inputs in log order (tombstones included). */
  readonly inputs: readonly ScoreInput[];
  /** Row-major vectors of the inputs with features, in order. */
  readonly vectors: Float32Array;
  readonly champion: ModelScores;
  readonly challenger?: ModelScores | undefined;
  /** The FeatureStore entry of each customer in the batch (undefined: none; without ENTRY_FIELD: gone). */
  readonly entries: ReadonlyMap<string, FeatureHash | undefined>;
  /** Plans and countries with an at-risk set (for removals). */
  readonly knownPlans: ReadonlySet<string>;
  readonly knownCountries: ReadonlySet<string>;
  readonly requireCustomerEntry: boolean;
  /** Wall clock, epoch ms (scored_at_ts). */
  readonly now: number;
}

export interface ScoreEffects {
  /** Champion scores, one per input with features, in order. */
  readonly scores: ChurnScore[];
  /** Challenger scores (shadow: true), same order. */
  readonly shadowScores: ChurnScore[];
  /**
   * Score fields per customer, each with its conditions and its at-risk set changes (applied
   * only with the write; see HashWrite).
   */
  readonly writes: HashWrite[];
  /** Removals from the at-risk sets (tombstoned customers, or whose entry was gone at read). */
  readonly zrem: Map<string, string[]>;
  /** Plans / countries seen for the first time (to add to AtRiskIndex). */
  readonly newPlans: string[];
  readonly newCountries: string[];
  /** Customers removed from the at-risk sets. */
  readonly removed: string[];
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function scoreOf(
  m: ModelScores,
  row: number,
  vectors: Float32Array,
  f: CustomerFeatures,
  shadow: boolean,
  now: number,
): ChurnScore {
  const score = m.scores[row]!;
  return {
    customer_id: f.customer_id,
    score,
    risk_band: riskBand(score, m.model.thresholds),
    model_version: m.model.version,
    shadow,
    features_as_of_ts: f.as_of_ts,
    scored_at_ts: now,
    reasons: m.reasons?.[row] ?? m.model.explainer.topReasons(vectors, row * VECTOR_WIDTH),
  };
}

/** A customer's latest scored input of the batch. */
interface Latest {
  readonly input: ScoreInput;
  readonly score: ChurnScore;
  readonly shadow?: ChurnScore;
}

/** Builds the records and FeatureStore changes of one micro-batch. */
export function buildScoreEffects(batch: ScoreBatch): ScoreEffects {
  const { inputs, vectors, champion, challenger, entries, now } = batch;
  const scores: ChurnScore[] = [];
  const shadowScores: ChurnScore[] = [];
  const latest = new Map<string, Latest>();
  const tombstones = new Map<string, number>();
  let row = 0;
  for (const input of inputs) {
    const { customerId: id, record } = input;
    if (input.features === null) {
      tombstones.set(id, Math.max(tombstones.get(id) ?? -1, record.offset));
      continue;
    }
    const score = scoreOf(champion, row, vectors, input.features, false, now);
    scores.push(score);
    const shadow = challenger && scoreOf(challenger, row, vectors, input.features, true, now);
    if (shadow) shadowScores.push(shadow);
    row++;
    const seen = latest.get(id);
    const newer =
      seen === undefined ||
      score.features_as_of_ts > seen.score.features_as_of_ts ||
      (score.features_as_of_ts === seen.score.features_as_of_ts && record.offset > seen.input.record.offset);
    if (newer) latest.set(id, { input, score, ...(shadow ? { shadow } : {}) });
  }
  // Per customer in first-seen order: its latest features, or removal when a tombstone follows them.
  const last = new Map<string, Partial<Latest>>();
  for (const { customerId: id } of inputs) {
    if (last.has(id)) continue;
    const won = latest.get(id);
    const tombstone = tombstones.get(id);
    last.set(id, won === undefined || (tombstone ?? -1) > won.input.record.offset ? {} : won);
  }

  const writes: HashWrite[] = [];
  const zrem = new Map<string, string[]>();
  const removed: string[] = [];
  const newPlans = new Set<string>();
  const newCountries = new Set<string>();
  for (const [id, { input, score, shadow }] of last) {
    const entry = entries.get(id);
    const indexedPlan = entry?.[IndexedFields.plan] ?? "";
    const indexedCountry = entry?.[IndexedFields.country] ?? "";
    const exists = entry?.[ENTRY_FIELD] !== undefined;
    if (score === undefined || (batch.requireCustomerEntry && !exists)) {
      removed.push(id);
      push(zrem, AtRiskSets.all, id);
      for (const plan of new Set([...batch.knownPlans, indexedPlan]))
        if (plan) push(zrem, AtRiskSets.byPlan(plan), id);
      for (const c of new Set([...batch.knownCountries, indexedCountry]))
        if (c) push(zrem, AtRiskSets.byCountry(c), id);
      continue;
    }
    const scoredAsOf = Number(entry?.[ScoreFields.scoreAsOfTs] ?? Number.NaN);
    if (scoredAsOf > score.features_as_of_ts) continue;
    const plan = input!.features!.plan;
    const country = entry?.[COUNTRY_FIELD] ?? "";
    const add = [
      { set: AtRiskSets.all, score: score.score },
      { set: AtRiskSets.byPlan(plan), score: score.score },
    ];
    const remove: string[] = [];
    if (!batch.knownPlans.has(plan)) newPlans.add(plan);
    if (indexedPlan && indexedPlan !== plan) remove.push(AtRiskSets.byPlan(indexedPlan));
    if (country) {
      add.push({ set: AtRiskSets.byCountry(country), score: score.score });
      if (!batch.knownCountries.has(country)) newCountries.add(country);
    }
    if (indexedCountry && indexedCountry !== country) remove.push(AtRiskSets.byCountry(indexedCountry));
    writes.push({
      customerId: id,
      fields: {
        [ScoreFields.score]: String(score.score),
        [ScoreFields.riskBand]: score.risk_band,
        [ScoreFields.modelVersion]: score.model_version,
        [ScoreFields.scoredAtTs]: String(now),
        [ScoreFields.scoreAsOfTs]: String(score.features_as_of_ts),
        [ScoreFields.reasons]: JSON.stringify(score.reasons),
        [ScoreFields.shadowScore]: shadow ? String(shadow.score) : "",
        [ScoreFields.shadowModelVersion]: shadow ? shadow.model_version : "",
        [IndexedFields.plan]: plan,
        [IndexedFields.country]: country,
      },
      when: {
        ...(batch.requireCustomerEntry ? { hasField: ENTRY_FIELD } : {}),
        notNewerThan: { field: ScoreFields.scoreAsOfTs, value: score.features_as_of_ts },
      },
      sets: { add, remove },
    });
  }
  return {
    scores,
    shadowScores,
    writes,
    zrem,
    newPlans: [...newPlans],
    newCountries: [...newCountries],
    removed,
  };
}
