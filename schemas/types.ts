// Generated from schemas/avro/*.avsc by schemas/typegen.ts (`npm run gen:types`). Do not edit.
// Avro longs are JavaScript numbers (avsc rejects values beyond 2^53); timestamp-millis are epoch ms.

export const ClickEventTypeValues = ["LOGIN", "LOGOUT", "PAGE_VIEW", "FEATURE_USE", "SEARCH", "HELP_VIEW", "SUPPORT_TICKET", "ERROR", "PRICING_VIEW", "CANCEL_PAGE_VIEW"] as const;
export type ClickEventType = (typeof ClickEventTypeValues)[number];

export const DeviceValues = ["DESKTOP", "MOBILE", "TABLET"] as const;
export type Device = (typeof DeviceValues)[number];

/** One product interaction of a customer (topic clickstream.v1, key = customer_id). */
export interface ClickEvent {
  /** Globally unique id; a retried send repeats it, so consumers deduplicate on it. */
  event_id: string;
  /** The customer; also the record key. */
  customer_id: string;
  /** Event time, epoch milliseconds UTC. */
  ts: number;
  /** The session this interaction belongs to. */
  session_id: string;
  /** What happened. */
  type: ClickEventType;
  /** Path of the page, e.g. /app/reports. */
  page: string;
  /** Product feature used (FEATURE_USE), else null. */
  feature: null | string;
  /** Time spent on the page or action, milliseconds. */
  duration_ms: number;
  /** Device class of the session. */
  device: Device;
  /** ISO 3166-1 alpha-2 country of the session. */
  country: string;
}

export const BillingEventTypeValues = ["SUBSCRIPTION_STARTED", "INVOICE_ISSUED", "PAYMENT_SUCCEEDED", "PAYMENT_FAILED", "REFUND", "PLAN_UPGRADED", "PLAN_DOWNGRADED", "DISCOUNT_APPLIED", "SUBSCRIPTION_CANCELLED"] as const;
export type BillingEventType = (typeof BillingEventTypeValues)[number];

export const PlanValues = ["FREE", "BASIC", "PRO", "BUSINESS"] as const;
export type Plan = (typeof PlanValues)[number];

/** One subscription or payment event of a customer (topic billing.v1, key = customer_id). */
export interface BillingEvent {
  /** Globally unique id; a retried send repeats it, so consumers deduplicate on it. */
  event_id: string;
  /** The customer; also the record key. */
  customer_id: string;
  /** Event time, epoch milliseconds UTC. */
  ts: number;
  /** What happened. */
  type: BillingEventType;
  /** The customer's plan after this event. */
  plan: Plan;
  /** The plan before an upgrade or downgrade, else null. */
  previous_plan: null | Plan;
  /** Money moved or invoiced, in minor units of `currency`; 0 when none. */
  amount_cents: number;
  /** ISO 4217 currency code. */
  currency: string;
  /** Invoice an invoice/payment/refund event refers to. */
  invoice_id: null | string;
  /** Payment attempt number within dunning (1 = first try). */
  attempt: number;
  /** Failure, refund, discount or cancellation reason. */
  reason: null | string;
}

/** A customer's feature vector as of an event time (compacted topic features.v1, key = customer_id). Definitions: docs/features.md. */
export interface CustomerFeatures {
  /** The customer; also the record key. */
  customer_id: string;
  /** Latest event time reflected in these features. */
  as_of_ts: number;
  /** Watermark of the customer's partition when computed. */
  watermark_ts: number;
  /** Late events (behind the watermark, within allowed lateness) folded into these features. */
  late_events_absorbed: number;
  /** Distinct events reflected since the customer's first event. */
  events_total: number;
  sessions_1h: number;
  sessions_24h: number;
  sessions_7d: number;
  page_views_1h: number;
  page_views_24h: number;
  page_views_7d: number;
  active_days_30d: number;
  distinct_features_7d: number;
  /** Distinct features used in the 7 days before the last 7. */
  distinct_features_prev_7d: number;
  support_views_7d: number;
  errors_7d: number;
  pricing_views_7d: number;
  cancel_page_views_7d: number;
  avg_session_minutes_7d: number;
  /** Null when the customer never logged in. */
  days_since_last_login: null | number;
  tenure_days: number;
  /** Current plan (FREE, BASIC, PRO, BUSINESS). */
  plan: string;
  monthly_price_cents: number;
  downgrades_90d: number;
  failed_payments_30d: number;
  refunds_30d: number;
  /** Days since the last successful payment; null when none. */
  days_since_last_payment: null | number;
}

export const RiskBandValues = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type RiskBand = (typeof RiskBandValues)[number];

export interface ScoreReason {
  /** Feature name (docs/features.md). */
  feature: string;
  /** The customer's value of the feature. */
  value: null | number;
  /** How much it raised the score (log-odds). */
  contribution: number;
}

/** A churn score for one customer (topic churn-scores.v1, key = customer_id). */
export interface ChurnScore {
  /** The customer; also the record key. */
  customer_id: string;
  /** Probability of cancelling within the label horizon, 0..1. */
  score: number;
  /** Band of the score by the model's thresholds. */
  risk_band: RiskBand;
  /** Registry version of the model that scored. */
  model_version: string;
  /** True when a challenger scored in shadow (not acted on). */
  shadow: boolean;
  /** as_of_ts of the features scored. */
  features_as_of_ts: number;
  /** Wall-clock time of scoring. */
  scored_at_ts: number;
  /** Features that raised this customer's risk most, largest first (at most 3). */
  reasons: ScoreReason[];
}

/** A record a stage could not process, with the reason (topic dlq.v1, key = source topic/partition/offset). */
export interface DeadLetter {
  /** Stage that rejected it, e.g. features, sink-silver. */
  stage: string;
  /** Error code, e.g. CHURN_WIRE_BAD_MAGIC. */
  reason_code: string;
  /** Human-readable reason. */
  reason: string;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  /** Log timestamp of the original record. */
  source_timestamp: number;
  /** Schema id from the original framing, when it had one. */
  schema_id: null | number;
  /** Original key bytes. */
  key: null | Buffer;
  /** Original value bytes, unchanged. */
  value: null | Buffer;
  /** Wall-clock time of rejection. */
  failed_at_ts: number;
}
