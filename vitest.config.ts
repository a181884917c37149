import { defineConfig } from "vitest/config";

/** `npm test`: unit tests and the embedded contract suites. Needs no running service. */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.integration.test.ts", "test/**/*.integrity.test.ts", "node_modules/**", "dist/**"],
    testTimeout: 20_000,
    pool: "forks",
  },
});
