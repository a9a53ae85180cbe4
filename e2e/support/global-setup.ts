import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../apps/server/src/db/embedded-postgres.js";
import { chromiumPath } from "./browser.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const executable = chromiumPath();
  if (!existsSync(executable)) {
    throw new Error(
      `Chromium not found at ${executable}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH).`,
    );
  }
  const root = path.resolve(import.meta.dirname, "../..");
  for (const built of ["apps/server/dist/cli.js", "apps/web/dist/index.html"]) {
    if (!existsSync(path.join(root, built))) throw new Error(`${built} is missing: run npm run build first.`);
  }
  if (process.env.TEST_DATABASE_URL) {
    project.provide("postgresUrl", process.env.TEST_DATABASE_URL);
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-e2e-pg-"));
  const postgres = await startEmbeddedPostgres(path.join(dir, "cluster"));
  project.provide("postgresUrl", postgres.url);
  return async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
