import { describe, expect, it } from "vitest";
import { compileDuckDbWarehouseOptions } from "../../../sinks/duckdb/options.js";

describe("DuckDB warehouse options", () => {
  it("resolves the DuckDB path from the project root and keeps :memory:", () => {
    expect(compileDuckDbWarehouseOptions().path).toMatch(/\/\.churnstream\/warehouse\.duckdb$/);
    expect(compileDuckDbWarehouseOptions({ path: ":memory:", threads: 2 })).toEqual({
      path: ":memory:",
      threads: 2,
    });
    expect(() => compileDuckDbWarehouseOptions({ threads: 1.5 })).toThrow(/warehouse\.duckdb\.threads/);
  });
});
