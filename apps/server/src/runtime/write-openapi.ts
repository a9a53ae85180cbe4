import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { loadConfig } from "../config/config.js";
import { createSecretBox } from "../crypto/secret-box.js";
import type { AppDeps } from "./app-deps.js";
import { buildPortalApp } from "./portal-app.js";

/**
 * Writes apps/server/openapi.json, from which the web client's types are generated.
 * Building the route table touches no dependency, so none is connected here.
 */
const unused = new Proxy(
  {},
  {
    get: () => {
      throw new Error("not available while writing the OpenAPI document");
    },
  },
);
const deps = {
  config: loadConfig({ NODE_ENV: "test", M365_EMULATOR: "off" }),
  db: unused,
  log: pino({ level: "silent" }),
  mailer: { transport: "smtp", send: async () => {} },
  jobs: unused,
  secrets: createSecretBox("spec", { spec: Buffer.alloc(32) }),
} as unknown as AppDeps;

const { app } = await buildPortalApp(deps);
await app.ready();
const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../openapi.json");
await writeFile(target, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
console.log(`wrote ${target}`);
