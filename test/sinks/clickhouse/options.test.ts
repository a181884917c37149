import { describe, expect, it } from "vitest";
import { compileClickHouseWarehouseOptions } from "../../../sinks/clickhouse/options.js";

describe("ClickHouse warehouse options", () => {
  it("applies ClickHouse defaults and freezes", () => {
    const options = compileClickHouseWarehouseOptions();
    expect(options).toEqual({
      url: "http://127.0.0.1:8123",
      database: "churnstream",
      username: "default",
      password: "",
      requestTimeoutMs: 30_000,
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(compileClickHouseWarehouseOptions({ url: "http://h:1/" }).url).toBe("http://h:1");
  });

  it.each([
    [{ url: "127.0.0.1:8123" }, /warehouse\.clickhouse\.url/],
    [{ database: "a-b" }, /warehouse\.clickhouse\.database = "a-b"/],
    [{ requestTimeoutMs: 5 }, /requestTimeoutMs/],
    [{ nope: 1 }, /warehouse\.clickhouse/],
    [{ password: 5 }, /<hidden>/],
  ])("refuses %j naming the key", (raw, message) => {
    expect(() => compileClickHouseWarehouseOptions(raw as never)).toThrow(message);
  });
});
