import path from "node:path";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { serverRoot } from "../config/server-root.js";
import type { DatabaseHandle } from "./client.js";

export const migrationsFolder = path.join(serverRoot, "drizzle");

// Arbitrary constant: serialises migrations when many API or worker processes boot at once.
const MIGRATION_LOCK_KEY = 727_274_001;

/** Applies the committed SQL migrations in apps/server/drizzle, one process at a time. */
export async function runMigrations({ db, pool }: DatabaseHandle): Promise<void> {
  const lock = await pool.connect();
  try {
    await lock.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migrate(db, { migrationsFolder });
  } finally {
    await lock.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    lock.release();
  }
}
