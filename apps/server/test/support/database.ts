import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { connectDatabase, type DatabaseHandle, ensureDatabase } from "../../src/db/client.js";
import { runMigrations } from "../../src/db/migrate.js";

/** A fresh, empty database on the test server, for one test file. */
export async function freshDatabaseUrl(): Promise<string> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  return ensureDatabase(inject("postgresUrl"), name);
}

/** A fresh database with the portal's schema, for tests that call modules without starting the app. */
export async function migratedDatabase(): Promise<DatabaseHandle> {
  const handle = connectDatabase(await freshDatabaseUrl(), 2);
  await runMigrations(handle);
  return handle;
}
