import { type LevelWithSilent, type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Structured JSON logs (pino) on stderr, so stdout stays free for command output.
 * Every line carries `stage`; runners add `partition` and `offset` as child bindings.
 */
export function createLogger(options: { level: LevelWithSilent; stage: string }): Logger {
  return pino({ level: options.level, base: { stage: options.stage } }, pino.destination(2));
}
