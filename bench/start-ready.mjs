#!/usr/bin/env node
// `npm start` on existing data (issue 13, item 6): runs `node scripts/start.mjs` (what `npm start` runs) once
// on a new data folder to create it (building if the sources changed), stops it, checks the build is now
// recorded as current, then times a second start from spawn to /readyz answering 200. Target: < 5 s.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildNeeded } from "../scripts/build-fingerprint.mjs";
import { startPortal } from "./support/portal.mjs";
import { report, reportFailure } from "./support/report.mjs";

const TARGET_S = 5;
const root = path.resolve(import.meta.dirname, "..");
const npmStart = [process.execPath, path.join(root, "scripts/start.mjs")];
// As `npm start` runs on a fresh clone: the emulator and the demo seed on.
const env = { M365_EMULATOR: "auto", DEMO_SEED: "true", LOG_LEVEL: "warn" };

const dataDir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-start-"));
try {
  const first = await startPortal({ dataDir, command: npmStart, env });
  await first.stop();
  const reason = buildNeeded(root);
  if (reason) throw new Error(`after a start, the build is still not current: ${reason}`);
  const second = await startPortal({ dataDir, command: npmStart, env });
  await second.stop();
  const seconds = second.readyMs / 1000;
  console.log(
    `first start (new data): ${(first.readyMs / 1000).toFixed(1)} s; second start: ${seconds.toFixed(2)} s`,
  );
  report("start-ready", [
    {
      measure: "npm start on existing data, to /readyz",
      target: `< ${TARGET_S} s`,
      measured: `${seconds.toFixed(2)} s`,
      pass: seconds < TARGET_S,
    },
  ]);
} catch (error) {
  reportFailure("start-ready", "npm start on existing data, to /readyz", `< ${TARGET_S} s`, error);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
