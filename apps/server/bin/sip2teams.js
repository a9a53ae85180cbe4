#!/usr/bin/env node
// Runs the compiled CLI. Build first with `npm run build` (npm start does it for you).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `sip2teams needs Node 22.12 or newer; this is Node ${process.versions.node}. ` +
      "Run it through npm (npm start, npm exec sip2teams), which uses the Node the project brings, " +
      "or put node_modules/.bin first on PATH.",
  );
  process.exit(1);
}
await import("../dist/cli.js");
