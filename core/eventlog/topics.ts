/** Topic naming rules shared by both backends. */
import { ChurnError } from "../errors.js";

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Whether a topic is internal to Kafka or its ecosystem (`__consumer_offsets`,
 * `__transaction_state`, the schema registry's `_schemas`): hidden from `listTopics`.
 */
export function isInternalTopic(name: string): boolean {
  return name.startsWith("__") || name === "_schemas";
}

/**
 * Checks a topic name against Kafka's rules, so a name accepted in embedded mode also works on
 * Kafka.
 * @throws ChurnError CHURN_LOG_REQUEST_FAILED naming the rule.
 */
export function assertLegalTopicName(name: string): void {
  if (!LEGAL_NAME.test(name) || name === "." || name === "..") {
    throw new ChurnError(
      "CHURN_LOG_REQUEST_FAILED",
      `illegal topic name ${JSON.stringify(name)}: use 1-249 characters of [a-zA-Z0-9._-], not "." or ".."`,
      { details: { topic: name } },
    );
  }
}
