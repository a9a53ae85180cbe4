#!/usr/bin/env node
// Runs the CLI bundle (dist/cli.js, built by build.mjs). Build first with `npm run build` (npm start does it).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `sip2teams needs Node 22.12 or newer; this is Node ${process.versions.node}. ` +
      "Run it through npm (npm start, npm exec sip2teams), which uses the Node the project brings, " +
      "or put node_modules/.bin first on PATH.",
  );
  process.exit(1);
}

// A small young generation: V8 grows it up to 2 × 32 MB under a burst of allocation (start-up, a sync) and keeps
// those pages resident afterwards, a third of an idle process's memory. Only a start-up flag can set it, so
// the process replaces itself once (same pid, stdio and signals) with the flag; NODE_OPTIONS or node arguments
// that set --max-semi-space-size themselves win.
const YOUNG_GENERATION = "--max-semi-space-size=8";
const flagged = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((arg) =>
  arg.includes("--max-semi-space-size"),
);
if (!flagged && typeof process.execve === "function" && process.platform !== "win32") {
  process.execve(process.execPath, [
    process.execPath,
    YOUNG_GENERATION,
    ...process.execArgv,
    ...process.argv.slice(1),
  ]);
}

await import("../dist/cli.js");
