import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository (package) root: the nearest folder above this module holding package.json.
 * Works from sources (tsx, vitest) and from the compiled dist/ alike.
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = resolve(dir, "..");
    if (parent === dir) throw new Error("churnstream: cannot find package.json above the installed code");
    dir = parent;
  }
}
