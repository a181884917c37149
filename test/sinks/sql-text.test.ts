import { describe, expect, it } from "vitest";
import { scan } from "../../sinks/sql-text.js";

describe("scan", () => {
  it.each([
    ["SELECT 1", "code"],
    ["SELECT 'a", "single"],
    ["SELECT 'a''b'", "code"],
    ['SELECT "a', "double"],
    ["SELECT `a``b`", "code"],
    ["SELECT 1 -- it's", "line"],
    ["SELECT 1 -- it's\n", "code"],
    ["/* ' */", "code"],
    ["/* open", "block"],
    ["$$ ' $$", "code"],
    ["$$ open", "dollar"],
    ["a - 1", "code"],
  ] as const)("%j ends in %s", (text, state) => {
    expect(scan(text, "code")).toBe(state);
  });

  it("continues from a state", () => {
    expect(scan("b'", "single")).toBe("code");
    expect(scan("x */ y", "block")).toBe("code");
  });

  it("refuses backslash-escaped quotes, whose meaning differs by backend", () => {
    expect(() => scan("'a\\'", "code")).toThrow(expect.objectContaining({ code: "CHURN_SINK_BAD_VALUE" }));
  });
});
