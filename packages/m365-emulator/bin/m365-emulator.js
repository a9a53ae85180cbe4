#!/usr/bin/env node
// Starts the emulator alone. Uses the compiled dist when present, else the TypeScript source through tsx.
import { existsSync } from "node:fs";

const dist = new URL("../dist/cli.js", import.meta.url);
let mod;
if (existsSync(dist) && !process.env.M365_EMULATOR_SOURCE) {
  mod = await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  mod = await import(new URL("../src/cli.ts", import.meta.url).href);
}
await mod.main();
