#!/usr/bin/env node
// Runs every test suite — emulator, API client, server (unit + integration on real PostgreSQL), then the browser
// tests against the built portal — and ends with one plain total line: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const reports = mkdtempSync(path.join(os.tmpdir(), "sip2teams-test-reports-"));
const vitest = path.join(root, "node_modules/vitest/vitest.mjs");

const suites = [
  { name: "m365-emulator", cwd: "packages/m365-emulator", args: [] },
  { name: "client", cwd: "packages/client", args: [] },
  { name: "server", cwd: "apps/server", args: [] },
  { name: "browser", cwd: ".", args: ["--config", "e2e/vitest.config.ts"], needsBuild: true },
];

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd: path.join(root, cwd), stdio: "inherit", env: process.env });
  return result.status ?? 1;
}

let passed = 0;
let failed = 0;
const broken = [];
let built = false;

for (const suite of suites) {
  if (suite.needsBuild && !built) {
    console.log("\n▶ building the portal for the browser tests");
    if (run("npm", ["run", "build"], ".") !== 0) {
      broken.push("build");
      break;
    }
    built = true;
  }
  console.log(`\n▶ ${suite.name} tests`);
  const report = path.join(reports, `${suite.name}.json`);
  const status = run(
    process.execPath,
    [vitest, "run", ...suite.args, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
    suite.cwd,
  );
  if (!existsSync(report)) {
    broken.push(suite.name);
    continue;
  }
  const result = JSON.parse(readFileSync(report, "utf8"));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  // A file whose hook failed counts its tests as skipped, not failed: the run still did not pass.
  if ((status !== 0 || !result.success) && result.numFailedTests === 0) broken.push(suite.name);
}

rmSync(reports, { recursive: true, force: true });
if (broken.length > 0) console.log(`\nSuites that did not complete: ${broken.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken.length > 0 ? 1 : 0);
