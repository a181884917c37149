/**
 * The Warehouse contract: what every backend must do identically. Called by the embedded test
 * (DuckDB, in `npm test`) and the ClickHouse integration test.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Migration, Row, TableSpec, Warehouse } from "../../sinks/ports.js";
import { ident, type SqlFragment, sql } from "../../sinks/sql.js";
import { expectChurnError } from "../support/errors.js";

/** Strings that break naive escaping in one backend or the other. */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  "'",
  "''",
  "\\",
  "\\\\",
  "\\'",
  "'\\",
  "a'b\\c",
  "'; DROP TABLE users; --",
  "') OR ('1'='1",
  "\\'; DROP TABLE users; --",
  "line1\nline2\r\nline3",
  "tab\there",
  "nul\u0000byte",
  "\u0000",
  "\\0 is not NUL",
  "\\n is not a newline",
  '"double" `back` quotes',
  "-- comment",
  "/* block */",
  "$$dollar$$",
  "{x:String} ? $1 :name",
  "é ü ß 中文 😀 \u200b zero-width",
  "\u0001\u0002\u001f\u007f control",
  "trailing backslash \\",
  // every ASCII character, NUL and DEL included
  String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i)),
];

/**
 * Runs the contract against `factory`, which returns a fresh, empty warehouse (a new DuckDB, a
 * new ClickHouse database). The suite closes it; `cleanup` runs after (drop the database).
 */
export function describeWarehouseContract(
  name: string,
  factory: () => Warehouse | Promise<Warehouse>,
  cleanup: () => Promise<void> = async () => {},
): void {
  describe(`Warehouse contract: ${name}`, () => {
    const run = randomBytes(4).toString("hex");
    const t = (base: string) => `${base}_${run}`;
    let wh: Warehouse;

    const allTypes: TableSpec = {
      name: t("all_types"),
      key: ["id"],
      columns: [
        { name: "id", type: "String" },
        { name: "s", type: "String", comment: "it's a comment with a quote and a \\ backslash" },
        { name: "u8", type: "UInt8" },
        { name: "i32", type: "Int32" },
        { name: "i64", type: "Int64" },
        { name: "u64", type: "UInt64" },
        { name: "f64", type: "Float64" },
        { name: "d", type: "Date" },
        { name: "dt", type: "DateTime" },
        { name: "ns", type: "String", nullable: true },
        { name: "nu8", type: "UInt8", nullable: true },
        { name: "ni32", type: "Int32", nullable: true },
        { name: "ni64", type: "Int64", nullable: true },
        { name: "nu64", type: "UInt64", nullable: true },
        { name: "nf64", type: "Float64", nullable: true },
        { name: "nd", type: "Date", nullable: true },
        { name: "ndt", type: "DateTime", nullable: true },
      ],
    };
    const versioned: TableSpec = {
      name: t("versioned"),
      key: ["customer_id", "day"],
      versionColumn: "version",
      partitionBy: "toYYYYMM(day)",
      columns: [
        { name: "customer_id", type: "String" },
        { name: "day", type: "Date" },
        { name: "version", type: "Int64" },
        { name: "payload", type: "String" },
      ],
    };
    const unversioned: TableSpec = {
      name: t("unversioned"),
      key: ["k"],
      columns: [
        { name: "k", type: "Int64" },
        { name: "payload", type: "String" },
      ],
    };
    const texts: TableSpec = {
      name: t("texts"),
      key: ["n"],
      columns: [
        { name: "n", type: "Int32" },
        { name: "s", type: "String" },
      ],
    };
    const migrations: Migration[] = [
      { version: 1, name: "all types", createTables: [allTypes] },
      { version: 2, name: "versioned and unversioned", createTables: [versioned, unversioned] },
      { version: 3, name: "texts", createTables: [texts] },
    ];

    beforeAll(async () => {
      wh = await factory();
    });
    afterAll(async () => {
      await wh?.close();
      await cleanup();
    });

    describe("migrations", () => {
      it("applies pending migrations in order, records them and is idempotent", async () => {
        expect(await wh.appliedMigrations()).toEqual([]);
        const [first, second] = await Promise.all([
          wh.migrate(migrations.slice(0, 2)),
          wh.migrate(migrations.slice(0, 2)),
        ]);
        expect(first).toEqual([1, 2]);
        expect(second).toEqual([]);
        expect(await wh.migrate(migrations)).toEqual([3]);
        expect(await wh.migrate(migrations)).toEqual([]);
        const applied = await wh.appliedMigrations();
        expect(applied.map((m) => [m.version, m.name])).toEqual(migrations.map((m) => [m.version, m.name]));
        for (const m of applied)
          expect(Math.abs(m.appliedAt.getTime() - Date.now())).toBeLessThan(10 * 60_000);
        const rows = await wh.query(sql`SELECT count(*) AS n FROM ${wh.latest(allTypes.name)}`);
        expect(rows).toEqual([{ n: 0 }]);
      });

      it("refuses a renamed applied migration and unordered versions", async () => {
        const renamed = migrations.map((m) => (m.version === 2 ? { ...m, name: "edited" } : m));
        await expectChurnError(wh.migrate(renamed), "CHURN_SINK_MIGRATION_FAILED");
        await expectChurnError(wh.migrate([migrations[1]!, migrations[0]!]), "CHURN_SINK_MIGRATION_FAILED");
      });

      it("does not record a migration whose statement fails", async () => {
        const broken: Migration = {
          version: 4,
          name: "broken",
          statements: { clickhouse: ["THIS IS NOT SQL"], duckdb: ["THIS IS NOT SQL"] },
        };
        await expectChurnError(wh.migrate([...migrations, broken]), "CHURN_SINK_MIGRATION_FAILED");
        expect((await wh.appliedMigrations()).map((m) => m.version)).toEqual([1, 2, 3]);
      });
    });

    describe("insert and query", () => {
      const full: Row = {
        id: "full",
        s: "hello",
        u8: 255,
        i32: -2_147_483_648,
        i64: -(2n ** 63n),
        u64: 2n ** 64n - 1n,
        f64: -1.5e-7,
        d: "2024-02-29",
        dt: new Date("2024-02-29T23:59:59.999Z"),
        ns: "x",
        nu8: true,
        ni32: 2_147_483_647,
        ni64: "9007199254740993",
        nu64: 42,
        nf64: 1e21,
        nd: new Date("2105-12-31T12:00:00Z"),
        ndt: "2030-01-02T03:04:05+02:00",
      };
      const nulls: Row = {
        id: "nulls",
        s: "",
        u8: false,
        i32: 0,
        i64: 0,
        u64: 0,
        f64: 0,
        d: "1970-01-01",
        dt: new Date(0),
        ns: null,
        nu8: null,
        ni32: null,
        nf64: null,
        nd: null,
      };

      it("round-trips every column type, nullable included, dates in UTC", async () => {
        await wh.insert(allTypes.name, [full, nulls]);
        const rows = await wh.query(sql`SELECT * FROM ${wh.latest(allTypes.name)} ORDER BY id`);
        expect(rows).toEqual([
          {
            id: "full",
            s: "hello",
            u8: 255,
            i32: -2_147_483_648,
            i64: "-9223372036854775808",
            u64: "18446744073709551615",
            f64: -1.5e-7,
            d: "2024-02-29",
            dt: "2024-02-29T23:59:59.000Z",
            ns: "x",
            nu8: 1,
            ni32: 2_147_483_647,
            ni64: "9007199254740993",
            nu64: 42,
            nf64: 1e21,
            nd: "2105-12-31",
            ndt: "2030-01-02T01:04:05.000Z",
          },
          {
            id: "nulls",
            s: "",
            u8: 0,
            i32: 0,
            i64: 0,
            u64: 0,
            f64: 0,
            d: "1970-01-01",
            dt: "1970-01-01T00:00:00.000Z",
            ns: null,
            nu8: null,
            ni32: null,
            ni64: null,
            nu64: null,
            nf64: null,
            nd: null,
            ndt: null,
          },
        ]);
      });

      it("filters by every kind of literal the same way", async () => {
        const table = wh.latest(allTypes.name, "a");
        const ids = async (where: ReturnType<typeof sql>) =>
          (
            await wh.query<{ id: string }>(sql`SELECT a.id AS id FROM ${table} WHERE ${where} ORDER BY id`)
          ).map((r) => r.id);
        expect(await ids(sql`a.i64 = ${-(2n ** 63n)}`)).toEqual(["full"]);
        expect(await ids(sql`a.u64 = ${2n ** 64n - 1n}`)).toEqual(["full"]);
        expect(await ids(sql`a.i32 < ${-5}`)).toEqual(["full"]);
        expect(await ids(sql`a.i32 -${-5} > 0`)).toEqual(["nulls"]);
        expect(await ids(sql`a.u8 = ${true}`)).toEqual([]);
        expect(await ids(sql`a.nu8 = ${true}`)).toEqual(["full"]);
        expect(await ids(sql`a.f64 < ${-1e-7}`)).toEqual(["full"]);
        expect(await ids(sql`a.d = ${"2024-02-29"}`)).toEqual(["full"]);
        expect(await ids(sql`a.dt >= ${new Date("2024-02-29T23:59:59Z")}`)).toEqual(["full"]);
        expect(await ids(sql`a.dt < ${new Date("2024-02-29T23:59:59Z")}`)).toEqual(["nulls"]);
        expect(await ids(sql`a.ns IS NULL`)).toEqual(["nulls"]);
        expect(await ids(sql`a.id IN ${["full", "nope", "it's"]}`)).toEqual(["full"]);
        expect(await ids(sql`a.ns = ${null}`)).toEqual([]);
      });

      it("normalises aggregates: counts and 64-bit sums as numbers", async () => {
        const rows = await wh.query(
          sql`SELECT count(*) AS n, sum(i32) AS total, max(dt) AS latest FROM ${wh.latest(allTypes.name)}`,
        );
        expect(rows).toEqual([{ n: 2, total: -2_147_483_648, latest: "2024-02-29T23:59:59.000Z" }]);
      });
    });

    describe("idempotence by key", () => {
      const row = (customer_id: string, version: number, payload: string): Row => ({
        customer_id,
        day: "2024-03-01",
        version,
        payload,
      });

      it("keeps one row per key, the highest version, the last one on a tie", async () => {
        await wh.insert(versioned.name, [row("c1", 1, "v1"), row("c1", 3, "v3"), row("c1", 2, "v2")]);
        await wh.insert(versioned.name, [
          row("c1", 2, "v2 again"),
          row("c2", 5, "first"),
          row("c2", 5, "second"),
        ]);
        await wh.insert(versioned.name, [row("c2", 5, "third"), row("c3", 1, "only")]);
        await wh.insert(versioned.name, [row("c1", 1, "v1"), row("c1", 3, "v3")]);
        const rows = await wh.query(
          sql`SELECT customer_id, day, version, payload FROM ${wh.latest(versioned.name)} ORDER BY customer_id`,
        );
        expect(rows).toEqual([
          { customer_id: "c1", day: "2024-03-01", version: 3, payload: "v3" },
          { customer_id: "c2", day: "2024-03-01", version: 5, payload: "third" },
          { customer_id: "c3", day: "2024-03-01", version: 1, payload: "only" },
        ]);
      });

      it("keeps the last inserted row without a version column", async () => {
        await wh.insert(unversioned.name, [
          { k: 1, payload: "a" },
          { k: 1, payload: "b" },
        ]);
        await wh.insert(unversioned.name, [
          { k: 1, payload: "c" },
          { k: 2, payload: "d" },
        ]);
        const rows = await wh.query(sql`SELECT k, payload FROM ${wh.latest(unversioned.name)} ORDER BY k`);
        expect(rows).toEqual([
          { k: 1, payload: "c" },
          { k: 2, payload: "d" },
        ]);
      });

      it("inserts a batch of 10,000 rows and a replay of it leaves 10,000 logical rows", async () => {
        const batch: Row[] = Array.from({ length: 10_000 }, (_, i) => ({
          k: 1_000 + i,
          payload: `row ${i}`,
        }));
        await wh.insert(unversioned.name, batch);
        await wh.insert(unversioned.name, batch);
        const [counted] = await wh.query(
          sql`SELECT count(*) AS n, min(k) AS lo, max(k) AS hi FROM ${wh.latest(unversioned.name)} WHERE k >= ${1_000}`,
        );
        expect(counted).toEqual({ n: 10_000, lo: 1_000, hi: 10_999 });
      });
    });

    describe("hostile strings", () => {
      it("round-trip and are found by equality and IN", async () => {
        await wh.insert(
          texts.name,
          HOSTILE_STRINGS.map((s, n) => ({ n, s })),
        );
        const all = await wh.query<{ n: number; s: string }>(
          sql`SELECT n, s FROM ${wh.latest(texts.name)} ORDER BY n`,
        );
        expect(all).toEqual(HOSTILE_STRINGS.map((s, n) => ({ n, s })));
        for (const [n, s] of HOSTILE_STRINGS.entries()) {
          const found = await wh.query(sql`SELECT n FROM ${wh.latest(texts.name)} WHERE s = ${s}`);
          expect(found, JSON.stringify(s)).toEqual([{ n }]);
          const echoed = await wh.query(sql`SELECT ${s} AS echoed`);
          expect(echoed, JSON.stringify(s)).toEqual([{ echoed: s }]);
        }
        const listed = await wh.query(
          sql`SELECT n FROM ${wh.latest(texts.name)} WHERE s IN ${HOSTILE_STRINGS} ORDER BY n`,
        );
        expect(listed).toHaveLength(HOSTILE_STRINGS.length);
        const [tables] = await wh.query(sql`SELECT count(*) AS n FROM ${wh.latest(allTypes.name)}`);
        expect(tables).toEqual({ n: 2 });
      });
    });

    describe("errors", () => {
      it("rejects a bad value with CHURN_SINK_BAD_VALUE and writes nothing of the batch", async () => {
        const good = { customer_id: "bad-batch", day: "2024-03-02", version: 1, payload: "x" };
        const bad: Row[] = [
          { ...good, version: 1.5 },
          { ...good, version: "one" },
          { ...good, day: "2024-02-30" },
          { ...good, payload: null },
          { ...good, payload: 5 },
          { ...good, payload: "\ud800 lone surrogate" },
          { ...good, unknown_column: "x" },
          { customer_id: "bad-batch", day: "2024-03-02", version: 1 },
        ];
        for (const row of bad)
          await expectChurnError(wh.insert(versioned.name, [good, row]), "CHURN_SINK_BAD_VALUE");
        await expectChurnError(
          wh.insert(allTypes.name, [{ id: "x", s: "", u8: 256 }]),
          "CHURN_SINK_BAD_VALUE",
        );
        const rows = await wh.query(
          sql`SELECT count(*) AS n FROM ${wh.latest(versioned.name)} WHERE customer_id = ${"bad-batch"}`,
        );
        expect(rows).toEqual([{ n: 0 }]);
        expect(() => sql`SELECT ${undefined as unknown as string} AS x`).toThrow(
          expect.objectContaining({ code: "CHURN_SINK_BAD_VALUE" }),
        );
        expect(() => sql`SELECT ${Number.NaN} AS x`).toThrow(
          expect.objectContaining({ code: "CHURN_SINK_BAD_VALUE" }),
        );
        const fake = { text: "SELECT 1", render: () => "SELECT 1" } as unknown as SqlFragment;
        await expectChurnError(wh.query(fake), "CHURN_SINK_BAD_VALUE");
      });

      it("reports an unknown table as CHURN_SINK_QUERY_FAILED, not retryable", async () => {
        const missing = t("no_such_table");
        const error = await wh.query(sql`SELECT * FROM ${ident(missing)}`).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "CHURN_SINK_QUERY_FAILED", retryable: false });
        await expectChurnError(wh.insert(missing, [{ a: 1 }]), "CHURN_SINK_QUERY_FAILED");
        await expectChurnError(wh.query(sql`SELEKT 1`), "CHURN_SINK_QUERY_FAILED");
      });

      it("answers ping", async () => {
        await expect(wh.ping()).resolves.toBeUndefined();
      });
    });
  });
}
