/** Escaping for the XML config files the stack renders (ClickHouse config, Kafka's log4j2). */

/** Escapes a value for XML text or a double-quoted attribute: paths may hold `&`, `<` or `"`. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
