// What benchmarks that prepare their own data take from the built server: its modules from tsc's per-file output
// (apps/server/dist/<path>.js, npm run build), and `sip2teams serve` on a database the benchmark made.
import path from "node:path";
import { startPortal } from "./portal.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const load = (file) => import(new URL(`../../apps/server/dist/${file}`, import.meta.url).href);

/**
 * Embedded PostgreSQL, the database client and migrations, the account repository, the session store, and what
 * a sync round does to the tables after writing them (`settleSearchIndex`: a benchmark that seeds users in SQL
 * leaves them as a sync would).
 */
export async function serverModules() {
  const [postgres, client, migrate, tenancy, sessions, deltaWrites] = await Promise.all(
    [
      "db/embedded-postgres.js",
      "db/client.js",
      "db/migrate.js",
      "modules/tenancy/repository.js",
      "modules/identity/sessions.js",
      "modules/teams-users/directory/delta-writes.js",
    ].map(load),
  );
  return {
    ...postgres,
    ...client,
    ...migrate,
    ...tenancy,
    ...sessions,
    settleSearchIndex: deltaWrites.settleSearchIndex,
  };
}

/**
 * The built portal without workers (the API and the web app) on `databaseUrl`, its own files under `dataDir`.
 * `buildRoot`: another checkout's build to serve instead (a benchmark comparing two builds on the same data).
 */
export function serveOn(databaseUrl, dataDir, buildRoot = root) {
  const bin = path.join(buildRoot, "apps/server/bin/sip2teams.js");
  return startPortal({
    dataDir,
    command: ["/usr/bin/env", `DATABASE_URL=${databaseUrl}`, process.execPath, bin, "serve"],
    env: { RUN_WORKERS: "false" },
  });
}
