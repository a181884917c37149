import { describe, expect, it } from "vitest";
import { isChurnError } from "../../../../core/errors.js";
import { findClickHouse } from "../../../../infra/local/services/clickhouse.js";
import {
  clickhousePaths,
  renderClickHouseConfig,
  renderClickHouseUsers,
} from "../../../../infra/local/services/clickhouse-config.js";
import { compileClickHouseWarehouseOptions, readSettings } from "../../../../sinks/clickhouse/options.js";

describe("clickhouse config", () => {
  const paths = clickhousePaths("/state");
  const xml = renderClickHouseConfig(paths, { host: "127.0.0.1", httpPort: 18123, tcpPort: 19000 });

  it("listens on localhost with the configured ports and no interserver port", () => {
    expect(xml).toContain("<listen_host>127.0.0.1</listen_host>");
    expect(xml).toContain("<http_port>18123</http_port>");
    expect(xml).toContain("<tcp_port>19000</tcp_port>");
    expect(xml).not.toContain("interserver");
    expect(xml).not.toMatch(/<listen_host>(::|0\.0\.0\.0)<\/listen_host>/);
  });

  it("keeps data, tmp, logs and users under the state dir", () => {
    expect(xml).toContain("<path>/state/clickhouse/data/</path>");
    expect(xml).toContain("<tmp_path>/state/clickhouse/tmp/</tmp_path>");
    expect(xml).toContain("<log>/state/clickhouse/logs/clickhouse-server.log</log>");
    expect(xml).toContain("<users_config>/state/clickhouse/users.xml</users_config>");
    expect(xml).not.toMatch(/\/var\/|\/etc\//);
  });

  it("lets the default user in without a password from localhost only", () => {
    const users = renderClickHouseUsers();
    const networks = /<networks>([\s\S]*?)<\/networks>/.exec(users)?.[1] ?? "";
    expect(users).toContain("<password></password>");
    expect(networks.match(/<ip>[^<]+<\/ip>/g)).toEqual(["<ip>::1</ip>", "<ip>127.0.0.1</ip>"]);
  });

  it("sizes read buffers for FINAL over many parts, like the warehouse client", () => {
    const profile =
      /<profiles>[\s\S]*?<default>([\s\S]*?)<\/default>/.exec(renderClickHouseUsers())?.[1] ?? "";
    const settings = readSettings(compileClickHouseWarehouseOptions());
    expect(profile).toContain(
      `<max_read_buffer_size>${settings.max_read_buffer_size}</max_read_buffer_size>`,
    );
    expect(profile).toContain(`<max_block_size>${settings.max_block_size}</max_block_size>`);
    expect(profile).toContain("<log_queries>1</log_queries>");
  });

  it("keeps query and part logs in system tables, for diagnosis", () => {
    expect(xml).toMatch(/<query_log>[\s\S]*<table>query_log<\/table>[\s\S]*<\/query_log>/);
    expect(xml).toMatch(/<part_log>[\s\S]*<table>part_log<\/table>[\s\S]*<\/part_log>/);
  });
});

describe("findClickHouse", () => {
  it("prefers Debian's clickhouse-server, falls back to upstream's single binary", () => {
    expect(findClickHouse(undefined, (p) => p === "/usr/sbin/clickhouse-server", "/usr/bin")).toEqual({
      command: "/usr/sbin/clickhouse-server",
      prefix: [],
    });
    expect(findClickHouse(undefined, (p) => p === "/opt/ch/clickhouse", "/opt/ch")).toEqual({
      command: "/opt/ch/clickhouse",
      prefix: ["server"],
    });
  });

  it("fails with the apt-get command when nothing is installed", () => {
    try {
      findClickHouse(undefined, () => false, "/usr/bin");
      expect.unreachable();
    } catch (error) {
      expect(isChurnError(error, "CHURN_STACK_MISSING_TOOL")).toBe(true);
      expect((error as Error).message).toContain("apt-get install clickhouse-server clickhouse-client");
    }
    expect(() => findClickHouse("/nope/clickhouse-server", () => false)).toThrowError(
      /\/nope\/clickhouse-server/,
    );
  });
});
