// The exact-baseline rule shared by check-architecture.mjs and check-duplicates.mjs: every finding must be
// listed in the baseline and every baseline entry must still occur, so a baseline can only shrink.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function readBaseline(file, empty) {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : empty;
}

export function writeBaseline(file, about, entries) {
  writeFileSync(file, `${JSON.stringify({ about, ...entries }, null, 2)}\n`);
}

/**
 * Compares findings ({ key, line }) with the baseline's keys, as multisets (two equal findings are two
 * entries), prints what is new and what is gone, and returns the exit code.
 */
export function compareWithBaseline({ findings, known, baselineName, newWhat, hint }) {
  const remaining = new Map();
  for (const key of known) remaining.set(key, (remaining.get(key) ?? 0) + 1);
  const added = [];
  for (const finding of findings) {
    const left = remaining.get(finding.key) ?? 0;
    if (left > 0) remaining.set(finding.key, left - 1);
    else added.push(finding);
  }
  const gone = [...remaining.entries()].flatMap(([key, count]) => Array(count).fill(key)).sort();
  if (added.length > 0) {
    console.error(`\n✗ ${added.length} new ${newWhat}, not in ${baselineName}:`);
    for (const finding of added) console.error(`  ${finding.line}`);
    console.error(`  ${hint}`);
  }
  if (gone.length > 0) {
    const entries = gone.length === 1 ? "entry no longer occurs" : "entries no longer occur";
    console.error(`\n✗ ${gone.length} baseline ${entries} (fixed? run npm run check:baseline to shrink it):`);
    for (const key of gone) console.error(`  ${key}`);
  }
  return added.length > 0 || gone.length > 0 ? 1 : 0;
}
