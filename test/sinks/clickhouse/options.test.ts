import { describe, expect, it } from "vitest";
import { compileClickHouseWarehouseOptions, readSettings } from "../../../sinks/clickhouse/options.js";

describe("ClickHouse warehouse options", () => {
  it("applies ClickHouse defaults and freezes", () => {
    const options = compileClickHouseWarehouseOptions();
    expect(options).toEqual({
      url: "http://127.0.0.1:8123",
      database: "churnstream",
      username: "default",
      password: "",
      requestTimeoutMs: 30_000,
      queryReadBufferBytes: 65_536,
      queryMaxBlockRows: 8_192,
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(compileClickHouseWarehouseOptions({ url: "http://h:1/" }).url).toBe("http://h:1");
  });

  it("turns the read settings into per-query ClickHouse settings; 0 leaves the server's", () => {
    expect(readSettings(compileClickHouseWarehouseOptions())).toEqual({
      max_read_buffer_size: "65536",
      max_block_size: "8192",
    });
    expect(
      readSettings(compileClickHouseWarehouseOptions({ queryReadBufferBytes: 0, queryMaxBlockRows: 1024 })),
    ).toEqual({ max_block_size: "1024" });
    expect(
      readSettings(compileClickHouseWarehouseOptions({ queryReadBufferBytes: 0, queryMaxBlockRows: 0 })),
    ).toEqual({});
  });

  it.each([
    [{ url: "127.0.0.1:8123" }, /warehouse\.clickhouse\.url/],
    [{ database: "a-b" }, /warehouse\.clickhouse\.database = "a-b"/],
    [{ requestTimeoutMs: 5 }, /requestTimeoutMs/],
    [{ nope: 1 }, /warehouse\.clickhouse/],
    [{ password: 5 }, /<hidden>/],
    [{ queryReadBufferBytes: 100 }, /queryReadBufferBytes.*4096/],
    [{ queryMaxBlockRows: 2.5 }, /queryMaxBlockRows/],
  ])("refuses %j naming the key", (raw, message) => {
    expect(() => compileClickHouseWarehouseOptions(raw as never)).toThrow(message);
  });
});
