import { describe, expect, it } from "vitest";
import { escapeXml } from "../../../infra/local/xml.js";

describe("escapeXml", () => {
  it("escapes what would end a text node or a double-quoted attribute", () => {
    expect(escapeXml('/srv/a&b/<x>/"q"')).toBe("/srv/a&amp;b/&lt;x&gt;/&quot;q&quot;");
    expect(escapeXml("&amp;")).toBe("&amp;amp;");
    expect(escapeXml("/plain/path")).toBe("/plain/path");
  });
});
