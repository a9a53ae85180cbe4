#!/usr/bin/env node
// Builds the portal, then runs every benchmark in bench/ in turn. Each prints its own measured ratios.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const only = process.argv.slice(2);
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: "inherit" }).status ?? 1;

if (run("npm", ["run", "build"]) !== 0) process.exit(1);
const benches = readdirSync(path.join(root, "bench"))
  .filter((file) => file.endsWith(".mjs"))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();
let failures = 0;
for (const file of benches) {
  console.log(`\n▶ bench/${file}`);
  if (run(process.execPath, ["--expose-gc", path.join("bench", file)]) !== 0) failures++;
}
process.exit(failures > 0 ? 1 : 0);
