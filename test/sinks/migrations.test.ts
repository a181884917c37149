import { describe, expect, it } from "vitest";
import { appliedMigrationsFrom, pendingMigrations, planMigrations } from "../../sinks/migrations.js";
import type { Migration, TableSpec } from "../../sinks/ports.js";

const table = (over: Partial<TableSpec> = {}): TableSpec => ({
  name: "t",
  key: ["k"],
  columns: [
    { name: "k", type: "String" },
    { name: "v", type: "UInt64" },
  ],
  ...over,
});
const failed = expect.objectContaining({ code: "CHURN_SINK_MIGRATION_FAILED" });
const plan = (migrations: Migration[]) => () => planMigrations(migrations);

describe("planMigrations", () => {
  it("collects the tables of every migration", () => {
    const result = planMigrations([
      { version: 1, name: "a", createTables: [table()] },
      { version: 5, name: "b", createTables: [table({ name: "u", versionColumn: "v" })] },
    ]);
    expect([...result.tables.keys()]).toEqual(["t", "u"]);
  });

  it.each([
    ["version 0", [{ version: 0, name: "a" }]],
    ["fractional version", [{ version: 1.5, name: "a" }]],
    [
      "repeated version",
      [
        { version: 1, name: "a" },
        { version: 1, name: "b" },
      ],
    ],
    [
      "decreasing versions",
      [
        { version: 2, name: "a" },
        { version: 1, name: "b" },
      ],
    ],
    ["empty name", [{ version: 1, name: " " }]],
    ["table created twice", [{ version: 1, name: "a", createTables: [table(), table()] }]],
    [
      "reserved table name",
      [{ version: 1, name: "a", createTables: [table({ name: "schema_migrations" })] }],
    ],
    ["bad table name", [{ version: 1, name: "a", createTables: [table({ name: "t;drop" })] }]],
    [
      "bad column name",
      [{ version: 1, name: "a", createTables: [table({ columns: [{ name: "k k", type: "String" }] })] }],
    ],
    [
      "unknown type",
      [
        {
          version: 1,
          name: "a",
          createTables: [table({ columns: [{ name: "k", type: "Text" as "String" }] })],
        },
      ],
    ],
    ["no key", [{ version: 1, name: "a", createTables: [table({ key: [] })] }]],
    ["key not a column", [{ version: 1, name: "a", createTables: [table({ key: ["x"] })] }]],
    [
      "nullable key",
      [
        {
          version: 1,
          name: "a",
          createTables: [table({ columns: [{ name: "k", type: "String", nullable: true }] })],
        },
      ],
    ],
    ["version column missing", [{ version: 1, name: "a", createTables: [table({ versionColumn: "x" })] }]],
    ["version column in key", [{ version: 1, name: "a", createTables: [table({ versionColumn: "k" })] }]],
    [
      "String version column",
      [{ version: 1, name: "a", createTables: [table({ key: ["v"], versionColumn: "k" })] }],
    ],
    [
      "partition with a quote",
      [{ version: 1, name: "a", createTables: [table({ partitionBy: "toYYYYMM(d)'" })] }],
    ],
    [
      "partition with a comment",
      [{ version: 1, name: "a", createTables: [table({ partitionBy: "x -- y" })] }],
    ],
  ] as [string, Migration[]][])("refuses %s", (_label, migrations) => {
    expect(plan(migrations)).toThrow(failed);
  });
});

describe("pendingMigrations", () => {
  const migrations: Migration[] = [
    { version: 1, name: "a" },
    { version: 2, name: "b" },
    { version: 3, name: "c" },
  ];
  const at = new Date();

  it("returns the unrecorded migrations in order", () => {
    expect(pendingMigrations(planMigrations(migrations), []).map((m) => m.version)).toEqual([1, 2, 3]);
    const applied = [
      { version: 2, name: "b", appliedAt: at },
      { version: 9, name: "from newer code", appliedAt: at },
    ];
    expect(pendingMigrations(planMigrations(migrations), applied).map((m) => m.version)).toEqual([1, 3]);
  });

  it("refuses a recorded version whose name changed", () => {
    expect(() =>
      pendingMigrations(planMigrations(migrations), [{ version: 1, name: "renamed", appliedAt: at }]),
    ).toThrow(/never edit or renumber/);
  });
});

describe("appliedMigrationsFrom", () => {
  it("reads the migrations table rows of either backend, sorted by version", () => {
    const applied = appliedMigrationsFrom([
      { version: "2", name: "gold", applied_at: "2024-05-01 10:00:00" },
      { version: 1n, name: "bronze", applied_at: "2024-04-30T09:00:00.000Z" },
    ]);
    expect(applied.map((m) => [m.version, m.name])).toEqual([
      [1, "bronze"],
      [2, "gold"],
    ]);
    expect(applied[0]?.appliedAt.toISOString()).toBe("2024-04-30T09:00:00.000Z");
  });
});
