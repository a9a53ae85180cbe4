// The one way a benchmark reports a result. Each call prints a line and, under `npm run bench`
// (scripts/bench.mjs sets BENCH_RESULTS), appends it to the run's results, which the runner prints as one
// table: measure, target, measured, pass/fail and the load average when it was measured.
import { appendFileSync } from "node:fs";
import os from "node:os";

/**
 * @param {string} bench the benchmark's name (its file without .mjs)
 * @param {{ measure: string, target: string, measured: string, pass: boolean }[]} rows
 * @returns {boolean} whether every row passed; also sets a failing exit code when one did not
 */
export function report(bench, rows) {
  const load = os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
  for (const row of rows) {
    const result = { bench, ...row, load };
    console.log(
      `${bench}: ${row.measure} = ${row.measured} (target ${row.target}) ${row.pass ? "PASS" : "FAIL"}`,
    );
    if (process.env.BENCH_RESULTS) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(result)}\n`);
  }
  const pass = rows.length > 0 && rows.every((row) => row.pass);
  if (!pass) process.exitCode = 1;
  return pass;
}

/** A result the benchmark could not measure (it failed or found wrong results): always a FAIL row. */
export function reportFailure(bench, measure, target, error) {
  return report(bench, [{ measure, target, measured: `error: ${error?.message ?? error}`, pass: false }]);
}
