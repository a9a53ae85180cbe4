#!/usr/bin/env node
// `npm start`: builds only when the sources changed since the last build (scripts/build-fingerprint.mjs), so
// a restart on existing data goes straight to `sip2teams start`; a fresh clone still builds the first time.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { buildNeeded, recordBuild, sourceFingerprint } from "./build-fingerprint.mjs";

const root = path.resolve(import.meta.dirname, "..");
// Taken before building, so a source edited while the build runs is rebuilt next time.
const fingerprint = sourceFingerprint(root);
const reason = buildNeeded(root, fingerprint);
if (reason) {
  console.log(`Building (${reason})…`);
  // A NODE_ENV from the shell (development, test) would make Vite bundle React's development build.
  const { NODE_ENV: _ignored, ...buildEnv } = process.env;
  const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", env: buildEnv });
  if (build.status !== 0) process.exit(build.status ?? 1);
  recordBuild(root, fingerprint);
} else {
  console.log("Build is up to date with the sources; starting.");
}

// The portal runs in its own process group and gets each stop request exactly once, from here: a Ctrl-C in a
// terminal reaches this process both from the terminal and through npm, and a second signal makes the portal
// exit at once instead of stopping gracefully. A signal again after a second is a deliberate second Ctrl-C.
const portal = spawn(
  process.execPath,
  [path.join(root, "apps/server/bin/sip2teams.js"), "start", ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  },
);
let lastForwarded = 0;
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    if (performance.now() - lastForwarded < 1000) return;
    lastForwarded = performance.now();
    portal.kill(signal);
  });
portal.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
// Never leave the portal behind if this process ends first.
process.on("exit", () => {
  if (portal.exitCode === null && portal.signalCode === null) portal.kill("SIGTERM");
});
