import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../paths.js";
import { withReference } from "./reference.js";

// `npm run gen:docs`: refreshes the generated reference table in docs/configuration.md.
const path = join(projectRoot(), "docs", "configuration.md");
writeFileSync(path, withReference(readFileSync(path, "utf8")));
console.log(`updated ${path}`);
