import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle, hearConnectionLoss } from "../src/db/client.js";
import { freshDatabaseUrl } from "./support/database.js";
import { waitFor } from "./support/wait-for.js";

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

  /**
   * Ends a backend and waits until its process has exited (it leaves the server's list), then one turn of the
   * event loop, so the client has read the termination.
   */
  const terminateBackend = async (pid: number) => {
    await admin.pool.query("select pg_terminate_backend($1)", [pid]);
    await waitFor(
      `backend ${pid} gone`,
      async () => {
        const { rows } = await admin.pool.query("select 1 from pg_stat_activity where pid = $1", [pid]);
        return rows.length === 0;
      },
      { intervalMs: 20 },
    );
    await new Promise((resolve) => setImmediate(resolve));
  };

  it("a handed-out client of any pool (the SBC's Kamailio pool too) fails its statement, nothing uncaught", async () => {
    const pool = hearConnectionLoss(new pg.Pool({ connectionString: await freshDatabaseUrl(), max: 1 }));
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
      await client.query("begin");
      const pid = rows[0]!.pid;
      await terminateBackend(pid);
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
    await terminateBackend(pid);
    terminated();
    expect(await outcome).not.toBe("committed");
    const { rows } = await database.pool.query("select 1 as ok");
    expect(rows).toEqual([{ ok: 1 }]);
  });
});
