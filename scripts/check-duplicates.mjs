#!/usr/bin/env node
// Duplicated code: jscpd (settings in .jscpd.json: 10 or more lines and 50 or more tokens of TypeScript or
// JavaScript, generated files excluded; tests included, they are hand-written too). Every clone must be
// listed in duplicates-baseline.json and every entry there must still occur, so the baseline is exact and
// can only shrink. Entries name the two files, not lines, so moving code does not touch the baseline.
//
//   node scripts/check-duplicates.mjs            check against the baseline (npm run check)
//   node scripts/check-duplicates.mjs --update   rewrite the baseline from the tree (npm run check:baseline)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { compareWithBaseline, readBaseline, writeBaseline } from "./check-baseline.mjs";

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    baseline: { type: "string", default: "duplicates-baseline.json" },
    update: { type: "boolean", default: false },
  },
});
const baselineFile = path.resolve(root, args.baseline);

function detect() {
  const output = mkdtempSync(path.join(os.tmpdir(), "sip2teams-jscpd-"));
  try {
    const jscpd = createRequire(import.meta.url).resolve("jscpd/run-jscpd.js");
    const run = spawnSync(
      process.execPath,
      [jscpd, "--config", ".jscpd.json", "--reporters", "json,silent", "--output", output, "."],
      { cwd: root, encoding: "utf8" },
    );
    const report = path.join(output, "jscpd-report.json");
    if (run.status !== 0 || !existsSync(report)) {
      console.error(run.stdout, run.stderr);
      throw new Error(`jscpd failed (exit ${run.status})`);
    }
    return JSON.parse(readFileSync(report, "utf8"));
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}

const place = (file) => `${file.name}:${file.start}-${file.end}`;
const clones = detect()
  .duplicates.map((clone) => {
    const [a, b] = [clone.firstFile, clone.secondFile].sort(
      (x, y) => x.name.localeCompare(y.name) || x.start - y.start,
    );
    return { key: `${a.name} ↔ ${b.name}`, where: `${place(a)} ↔ ${place(b)} (${clone.lines} lines)` };
  })
  .sort((x, y) => x.where.localeCompare(y.where));

const ABOUT =
  "Known duplicated code (jscpd, .jscpd.json), one entry per clone. npm run check fails on a clone not listed here " +
  "and on an entry that no longer occurs; regenerate with npm run check:baseline, which may only shrink it.";

if (args.update) {
  writeBaseline(baselineFile, ABOUT, { clones: clones.map((clone) => clone.key).sort() });
  console.log(`Wrote ${args.baseline}: ${clones.length} clones`);
} else {
  console.log(`Duplicates: ${clones.length} clone(s) of 10+ lines`);
  process.exitCode = compareWithBaseline({
    findings: clones.map((clone) => ({ key: clone.key, line: clone.where })),
    known: readBaseline(baselineFile, { clones: [] }).clones,
    baselineName: args.baseline,
    newWhat: "clone(s)",
    hint: "Factor the code out (settings: .jscpd.json).",
  });
  if (process.exitCode === 0)
    console.log(`✓ No new clones; ${clones.length} known one(s) remain in ${args.baseline}.`);
}
