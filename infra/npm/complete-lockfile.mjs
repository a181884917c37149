// Completes package-lock.json with the other platforms' optional binaries (@biomejs/cli-*,
// @duckdb/node-bindings-*, ...). The registry this project installs from serves only this
// platform's builds, so `npm install` leaves the others out of the lock, and `npm ci` then refuses
// the lock as out of sync. Listing them as optional lets `npm ci` skip them here and install them
// on the platforms that need them. Run after changing dependencies: `npm run lock`.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
const added = [];
for (const meta of Object.values(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] === undefined) {
      packages[key] = { version, optional: true };
      added.push(`${name}@${version}`);
    }
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length === 0 ? "lock already complete" : `added ${added.length}: ${added.join(", ")}`);
