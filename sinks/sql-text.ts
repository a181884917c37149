/**
 * Follows the static text of a `sql` template through quotes and comments, so that `sql.ts` can
 * refuse a placeholder that would land inside a string, a quoted identifier or a comment (where
 * a value's own quoting no longer protects the query). Part of the audited helper in `sql.ts`.
 */
import { ChurnError } from "../core/errors.js";

export type LexState = "code" | "single" | "double" | "backtick" | "line" | "block" | "dollar";

/**
 * Follows the template text through quotes and comments so that a placeholder inside one is
 * refused. Quotes are closed by the same character; a doubled quote stays inside. A backslash
 * before a quote inside a string is refused because the backends disagree on what it means.
 */
export function scan(text: string, start: LexState): LexState {
  let state = start;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const next = text[i + 1];
    switch (state) {
      case "code":
        if (ch === "'") state = "single";
        else if (ch === '"') state = "double";
        else if (ch === "`") state = "backtick";
        else if (ch === "-" && next === "-") state = "line";
        else if (ch === "/" && next === "*") state = "block";
        else if (ch === "$" && next === "$") state = "dollar";
        if (state === "line" || state === "block" || state === "dollar") i++;
        break;
      case "single":
      case "double":
      case "backtick": {
        const quote = state === "single" ? "'" : state === "double" ? '"' : "`";
        if (ch === "\\" && next === quote) {
          throw new ChurnError(
            "CHURN_SINK_BAD_VALUE",
            `write a quote inside SQL text as ${quote}${quote}, not \\${quote}: backslash escapes differ`,
          );
        }
        if (ch === quote) {
          if (next === quote) i++;
          else state = "code";
        }
        break;
      }
      case "line":
        if (ch === "\n") state = "code";
        break;
      case "block":
        if (ch === "*" && next === "/") {
          state = "code";
          i++;
        }
        break;
      case "dollar":
        if (ch === "$" && next === "$") {
          state = "code";
          i++;
        }
        break;
    }
  }
  return state;
}

export function describeState(state: LexState): string {
  switch (state) {
    case "single":
    case "dollar":
      return "quoted string";
    case "double":
    case "backtick":
      return "quoted identifier";
    case "line":
      return "line comment";
    default:
      return "block comment";
  }
}
