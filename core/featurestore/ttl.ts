/**
 * The entry lifetime both feature store backends accept, so `ttlSeconds` means the same and is
 * validated alike whichever backend runs (Redis EXPIRE semantics: 0 = never).
 */
import { z } from "zod";

/** Thirty days: longer than the widest feature window, so an idle customer keeps its features. */
export const DEFAULT_TTL_SECONDS = 30 * 24 * 3600;

/** `ttlSeconds`: a whole number of seconds ≥ 0, 0 = never expire. @default {@link DEFAULT_TTL_SECONDS} */
export const ttlSecondsSchema = z
  .int({ error: "must be a whole number of seconds (0 = never expire)" })
  .min(0, { error: "must be ≥ 0 (0 = never expire)" })
  .default(DEFAULT_TTL_SECONDS);
