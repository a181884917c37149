#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (dist/ is built by `npm ci` via `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("churnstream: dist/ is missing. Run `npm run build` (or `npm ci`, which builds it) first.");
  process.exit(1);
}
await import(main.href);
