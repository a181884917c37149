import { ClickHouseError } from "@clickhouse/client";
import { describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import { serverErrorCode, toChurnError } from "../../../sinks/clickhouse/errors.js";

const context = { url: "http://127.0.0.1:8123", database: "churnstream", operation: "query" };
const old = (code: number, text: string) =>
  new Error(`Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception\n`);

describe("ClickHouse error mapping", () => {
  it("reads the server code from 18.16 text and from ClickHouseError", () => {
    expect(serverErrorCode(old(60, "Table x doesn't exist."))).toBe(60);
    expect(serverErrorCode(new ClickHouseError({ message: "m", code: "81", type: "UNKNOWN_DATABASE" }))).toBe(
      81,
    );
    expect(serverErrorCode(new Error("connect ECONNREFUSED"))).toBeUndefined();
  });

  it("maps socket failures and timeouts to CHURN_SINK_UNAVAILABLE, retryable, with what to do", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" });
    for (const error of [refused, new Error("Timeout error."), new Error("socket hang up")]) {
      const mapped = toChurnError(error, context);
      expect(mapped).toMatchObject({ code: "CHURN_SINK_UNAVAILABLE", retryable: true });
      expect(mapped.message).toMatch(/churnstream stack up/);
    }
    expect(toChurnError(old(241, "Memory limit exceeded"), context)).toMatchObject({ retryable: true });
  });

  it("says what to tune when a query runs out of memory", () => {
    const mapped = toChurnError(old(241, "Memory limit (for query) exceeded: would use 3.73 GiB"), context);
    expect(mapped).toMatchObject({ code: "CHURN_SINK_UNAVAILABLE", retryable: true });
    expect(mapped.message).toContain("3.73 GiB");
    expect(mapped.message).toMatch(/system\.parts/);
    expect(mapped.message).toMatch(/queryReadBufferBytes/);
    expect(mapped.message).toMatch(/OPTIMIZE TABLE/);
  });

  it("maps server errors to CHURN_SINK_QUERY_FAILED, not retryable, with hints", () => {
    const table = toChurnError(old(60, "Table churnstream.x doesn't exist."), context);
    expect(table).toMatchObject({ code: "CHURN_SINK_QUERY_FAILED", retryable: false });
    expect(table.message).toMatch(/migrate/);
    expect(toChurnError(old(81, "Database churnstream doesn't exist"), context).message).toMatch(
      /creates it/,
    );
    expect(toChurnError(old(193, "Wrong password for user default"), context).message).toMatch(/password/);
    expect(toChurnError(old(62, "Syntax error"), context)).toMatchObject({ code: "CHURN_SINK_QUERY_FAILED" });
  });

  it("passes ChurnErrors through", () => {
    const error = new ChurnError("CHURN_SINK_BAD_VALUE", "x");
    expect(toChurnError(error, context)).toBe(error);
  });
});
