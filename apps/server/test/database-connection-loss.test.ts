import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle, hearConnectionLoss } from "../src/db/client.js";
import { freshDatabaseUrl } from "./support/database.js";

/**
 * A connection lost inside a transaction (PostgreSQL restarting, an administrator ending the backend) fails
 * that transaction and nothing else: it used to surface as an uncaught 'error' on the pool's handed-out client,
 * which ends the process (a CI run saw it when the outage test stopped its cluster).
 */
describe("database connection lost during a transaction", () => {
  let database: DatabaseHandle;
  let admin: DatabaseHandle;

  beforeAll(async () => {
    const url = await freshDatabaseUrl();
    database = connectDatabase(url, 2);
    admin = connectDatabase(url, 1);
  });
  afterAll(async () => {
    await database?.close();
    await admin?.close();
  });

  it("a handed-out client of any pool (the SBC's Kamailio pool too) fails its statement, nothing uncaught", async () => {
    const pool = hearConnectionLoss(new pg.Pool({ connectionString: await freshDatabaseUrl(), max: 1 }));
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
      await client.query("begin");
      const pid = rows[0]!.pid;
      await admin.pool.query("select pg_terminate_backend($1)", [pid]);
      for (;;) {
        const gone = await admin.pool.query("select 1 from pg_stat_activity where pid = $1", [pid]);
        if (gone.rows.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setImmediate(resolve));
      await expect(client.query("select 1")).rejects.toThrow();
    } finally {
      client.release(true);
      await pool.end();
    }
  });

  it("rejects the transaction, raises nothing uncaught, and the pool serves the next query", async () => {
    let backend: (pid: number) => void = () => {};
    const backendPid = new Promise<number>((resolve) => {
      backend = resolve;
    });
    let terminated: () => void = () => {};
    const afterTermination = new Promise<void>((resolve) => {
      terminated = resolve;
    });
    const transaction = database.db.transaction(async (tx) => {
      const result = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
      backend(result.rows[0]!.pid);
      // Idle in the transaction, no statement running: the termination arrives as an error event.
      await afterTermination;
      await tx.execute(sql`select 1`);
    });
    const outcome = transaction.then(
      () => "committed",
      (error: Error) => error.message,
    );
    const pid = await backendPid;
    await admin.pool.query("select pg_terminate_backend($1)", [pid]);
    // The terminated backend is gone from the server's list once its process has exited.
    for (;;) {
      const { rows } = await admin.pool.query("select 1 from pg_stat_activity where pid = $1", [pid]);
      if (rows.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setImmediate(resolve));
    terminated();
    expect(await outcome).not.toBe("committed");
    const { rows } = await database.pool.query("select 1 as ok");
    expect(rows).toEqual([{ ok: 1 }]);
  });
});
