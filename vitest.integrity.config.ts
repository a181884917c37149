import { defineConfig } from "vitest/config";

/**
 * `npm run test:integrity`: the fault-injection suite (docs/integrity.md). Starts a private
 * Kafka, Redis and ClickHouse on their own ports (INTEGRITY_BASE_PORT, default 29200) and uses
 * the shared schema registry; runs the whole pipeline with each fault. Files run one at a time.
 */
export default defineConfig({
  test: {
    include: ["test/integrity/**/*.integrity.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
  },
});
