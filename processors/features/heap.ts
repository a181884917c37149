/**
 * The processor allocates a few short-lived objects per event (decoded record, entry); with
 * V8's default young generation (16 MB semi-spaces) a quarter of its CPU goes to scavenges.
 * Hosts of the runner (the CLI command, the demo, benchmarks) call `tuneProcessHeap` once at
 * start-up; the library itself never changes process-wide settings.
 */
import { setFlagsFromString } from "node:v8";

/** Semi-space size set by {@link tuneProcessHeap}, MB. */
export const SEMI_SPACE_MB = 64;

/** Raises V8's young-generation limit (takes effect as the heap grows). Idempotent. */
export function tuneProcessHeap(): void {
  setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
}
