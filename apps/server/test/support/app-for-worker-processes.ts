import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { freshDatabaseUrl } from "./database.js";
import { emulatorEnv } from "./onboarding.js";
import { pwshStandInPath } from "./provisioning.js";
import { startTestApp } from "./test-app.js";

/**
 * The API in this process without workers, on a fresh database, and the environment for `sip2teams worker`
 * processes (startWorkerProcess) on the same database and data folder (so the same secrets key), trusting the
 * emulator's CA: every job runs in a worker process that a test can kill.
 */
export async function startAppForWorkerProcesses(emulator: StartedEmulator) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-workers-"));
  const caFile = path.join(dir, "emulator-ca.pem");
  await writeFile(caFile, emulator.caCertPem);
  const env = { ...emulatorEnv(emulator), PWSH_PATH: pwshStandInPath(), TEAMS_USERS_SYNC_MINUTES: "0" };
  const databaseUrl = await freshDatabaseUrl();
  const t = await startTestApp({ ...env, DATABASE_URL: databaseUrl }, { workers: false });
  const workerEnv: Record<string, string> = {
    ...env,
    DATABASE_URL: databaseUrl,
    DATA_DIR: t.deps.config.DATA_DIR,
    PUBLIC_URL: "http://localhost:3000",
    EXTRA_CA_FILE: caFile,
  };
  return { t, workerEnv };
}
