#!/usr/bin/env node
// Stand-in for `pwsh` with the MicrosoftTeams module, backed by the emulator (see README for the framing).
import { existsSync } from "node:fs";

const dist = new URL("../dist/pwsh/standin.js", import.meta.url);
let mod;
if (existsSync(dist) && !process.env.M365_EMULATOR_SOURCE) {
  mod = await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  mod = await import(new URL("../src/pwsh/standin.ts", import.meta.url).href);
}
await mod.runStandIn();
