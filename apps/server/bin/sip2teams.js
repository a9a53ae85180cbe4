#!/usr/bin/env node
// Runs the compiled CLI. Build first with `npm run build` (npm start does it for you).
await import("../dist/cli.js");
