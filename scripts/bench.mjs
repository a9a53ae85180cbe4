#!/usr/bin/env node
// Builds the portal, runs every benchmark in bench/ in turn (or those whose names contain an argument:
// `npm run bench -- web-delivery start`), then prints one table of every result the benchmarks reported
// through bench/support/report.mjs: measure, target, measured, PASS/FAIL and the 1/5/15-minute load average
// when it was measured (a busy machine explains a slow figure; the targets assume an idle one).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { recordBuild, sourceFingerprint } from "./build-fingerprint.mjs";

const root = path.resolve(import.meta.dirname, "..");
const only = process.argv.slice(2);
const results = path.join(mkdtempSync(path.join(os.tmpdir(), "sip2teams-bench-")), "results.jsonl");
writeFileSync(results, "");
const run = (command, args) =>
  spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, BENCH_RESULTS: results } })
    .status ?? 1;

// Recorded as built (scripts/build-fingerprint.mjs) so the start benchmark finds the build current.
const fingerprint = sourceFingerprint(root);
const { NODE_ENV: _ignored, ...buildEnv } = process.env; // a shell's NODE_ENV would make a development bundle
if (spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", env: buildEnv }).status !== 0)
  process.exit(1);
recordBuild(root, fingerprint);
const benches = readdirSync(path.join(root, "bench"))
  .filter((file) => file.endsWith(".mjs"))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();
const crashed = [];
for (const file of benches) {
  console.log(`\n▶ bench/${file}`);
  const before = readFileSync(results, "utf8");
  const status = run(process.execPath, ["--expose-gc", path.join("bench", file)]);
  // A benchmark that failed without reporting a row still gets one, so the table never hides it.
  if (status !== 0 && readFileSync(results, "utf8") === before) crashed.push(file.replace(/\.mjs$/, ""));
}

const rows = readFileSync(results, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line));
for (const bench of crashed)
  rows.push({ bench, measure: "(run)", target: "exit 0", measured: "failed", pass: false, load: "" });
rmSync(path.dirname(results), { recursive: true, force: true });

const header = ["Benchmark", "Measure", "Target", "Measured", "Result", "Load avg (1 5 15 min)"];
const table = [
  header,
  ...rows.map((row) => [
    row.bench,
    row.measure,
    row.target,
    row.measured,
    row.pass ? "PASS" : "FAIL",
    row.load,
  ]),
];
const widths = header.map((_, column) => Math.max(...table.map((cells) => String(cells[column]).length)));
const line = (cells) => `| ${cells.map((cell, column) => String(cell).padEnd(widths[column])).join(" | ")} |`;
console.log(`\n${line(table[0])}\n|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
for (const cells of table.slice(1)) console.log(line(cells));
const failed = rows.filter((row) => !row.pass).length;
console.log(`\n${rows.length - failed} passed, ${failed} failed (${os.cpus().length} cores)`);
process.exit(failed > 0 || rows.length === 0 ? 1 : 0);
