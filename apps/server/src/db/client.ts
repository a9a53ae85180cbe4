import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";

/**
 * Drizzle over node-postgres, without a schema object: queries name their module's tables (the query
 * builder), so the platform knows no module. `db/schema.ts` aggregates the tables for drizzle-kit only.
 */
export type Database = NodePgDatabase;
/** A database handle or an open transaction; repositories accept either. */
export type Executor = Database | Parameters<Parameters<Database["transaction"]>[0]>[0];

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function connectDatabase(url: string, poolSize = 10): DatabaseHandle {
  // A database that does not answer fails requests after a bounded wait (503) instead of holding them forever.
  const pool = hearConnectionLoss(
    new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 }),
  );
  const db = drizzle(pool);
  return { db, pool, close: () => pool.end() };
}

/**
 * A pool whose lost connections fail only what used them. Idle client errors (e.g. the server restarting) are
 * retried by the next query. The pool listens for errors only on the clients it holds idle: a client handed out
 * (a transaction) whose server goes away (a restart, pg_terminate_backend) emits 'error' too, and unheard that is
 * an uncaught exception that ends the process; the transaction's statement fails with the same error anyway.
 */
export function hearConnectionLoss(pool: pg.Pool): pg.Pool {
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

/** Creates `name` on the server of `url` if it does not exist yet and returns its URL. */
export async function ensureDatabase(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replace(/"/g, "")}"`);
  } finally {
    await client.end();
  }
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}
