import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { ensureDatabase } from "../../apps/server/src/db/client.js";
import { freePort } from "../../apps/server/src/db/embedded-postgres.js";

export interface RunningPortal {
  url: string;
  databaseUrl: string;
  output: string[];
  /** Runs one SQL query against the portal's database (for reading the dev outbox, never for setup shortcuts). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, "../..");

/** Starts the built portal (`sip2teams serve`) in a child process on a free port with a fresh database. */
export async function startPortal(env: Record<string, string> = {}): Promise<RunningPortal> {
  const port = await freePort();
  const databaseUrl = await ensureDatabase(inject("postgresUrl"), `e2e_${randomBytes(6).toString("hex")}`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-e2e-data-"));
  const url = `http://localhost:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(root, "apps/server/bin/sip2teams.js"), "serve"],
    {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        PORT: String(port),
        PUBLIC_URL: url,
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        LOG_LEVEL: "info",
        DEMO_SEED: "false",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (chunk) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk) => output.push(chunk.toString()));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`portal exited early:\n${output.join("")}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`portal not ready within 60 s:\n${output.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  return {
    url,
    databaseUrl,
    output,
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    async stop() {
      await pool.end();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
