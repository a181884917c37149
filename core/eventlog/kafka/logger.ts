/** Routes kafkajs's logs into the caller's pino logger (or nowhere). */
import kafkajs, { type LogEntry, type logCreator } from "kafkajs";
import type { Logger } from "pino";

const { logLevel } = kafkajs;

/**
 * kafkajs's log level matching `logger`: kafkajs INFO is chatty (every join, every connect),
 * so it only reaches pino when pino's debug level is enabled.
 */
export function kafkaLogLevel(logger: Logger | undefined): kafkajs.logLevel {
  if (!logger) return logLevel.NOTHING;
  if (logger.isLevelEnabled("trace")) return logLevel.DEBUG;
  if (logger.isLevelEnabled("debug")) return logLevel.INFO;
  if (logger.isLevelEnabled("warn")) return logLevel.WARN;
  if (logger.isLevelEnabled("error")) return logLevel.ERROR;
  return logLevel.NOTHING;
}

/** A kafkajs `logCreator` writing to `logger` with `component: "kafkajs"`. */
export function kafkaLogCreator(logger: Logger | undefined): logCreator {
  return () => (entry: LogEntry) => {
    if (!logger) return;
    const { message, timestamp: _timestamp, ...fields } = entry.log;
    const bindings = { component: "kafkajs", namespace: entry.namespace, ...fields };
    // kafkajs logs every failed request at ERROR from its Connection layer, even ones it
    // retries or that we expect (coordinator loading); real failures reach callers as errors.
    const level = entry.namespace === "Connection" ? Math.max(entry.level, logLevel.DEBUG) : entry.level;
    switch (level) {
      case logLevel.ERROR:
        logger.error(bindings, message);
        break;
      case logLevel.WARN:
        logger.warn(bindings, message);
        break;
      case logLevel.INFO:
        logger.debug(bindings, message);
        break;
      default:
        logger.trace(bindings, message);
    }
  };
}
