import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderConfigReference, withReference } from "../../../core/config/reference.js";
import { projectRoot } from "../../../core/paths.js";

describe("docs/configuration.md", () => {
  it("holds the reference generated from the schema (run `npm run gen:docs` after a config change)", () => {
    const doc = readFileSync(join(projectRoot(), "docs", "configuration.md"), "utf8");
    expect(withReference(doc)).toBe(doc);
  });

  it("lists every backend choice with its accepted values", () => {
    const table = renderConfigReference();
    expect(table).toContain(
      "| `eventLog.backend` | `CHURNSTREAM_EVENT_LOG_BACKEND` | embedded \\| kafka | `embedded` |",
    );
    expect(table).toContain("`warehouse.clickhouse.url`");
  });
});
