import { defineConfig } from "vitest/config";

/**
 * `npm run test:integration`: the real-backend contract suites and end-to-end tests against
 * Kafka, the schema registry, Redis and ClickHouse. Every test fails (never skips) when a
 * service is missing. Files run one at a time: they share one broker and one ClickHouse.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.integration.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
