import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import { hearConnectionLoss } from "../../db/client.js";
import { freePort } from "../../db/embedded-postgres.js";
import { kamailioRpc } from "./kamailio/rpc.js";
import { installKamailioSchema } from "./kamailio/schema.js";

/**
 * The SBC in the zero-setup demo (`sip2teams start`): when Kamailio is installed, the shipped
 * configuration (sbc/kamailio) runs in test mode on loopback ports beside the portal, reading the
 * portal's SBC database as Kamailio's own role, with rtpengine in userspace when that is installed too.
 * The portal is pointed at its JSON-RPC; both stop with the portal. When Kamailio is missing, nothing
 * fails: the banner prints the packages to add and the SBC status says "not running".
 */

/** The one line that adds everything the demo SBC uses (Debian 12). */
export const SBC_PACKAGES_COMMAND =
  "sudo apt-get install -y kamailio kamailio-postgres-modules kamailio-extra-modules rtpengine-daemon";

export interface SbcDemoOptions {
  config: Config;
  log: Logger;
  /** The SBC database as the portal reaches it (the portal owns it and creates Kamailio's role). */
  databaseUrl: string;
  /** Where the generated site file, logs and pid files go (default `<DATA_DIR>/sbc`). */
  workDir?: string;
  /** Directories searched for `kamailio` and `rtpengine` (default: PATH, then /usr/sbin and /usr/local/sbin). */
  searchPath?: string;
}

export interface SbcDemo {
  state: "running" | "not running";
  /** The start banner's status line. */
  line: string;
  /** Why it is not running (also what the portal's SBC status says). */
  reason?: string;
  /** What the portal's config gets while it runs: KAMAILIO_RPC_URL and KAMAILIO_DB_PASSWORD. */
  config: Partial<Pick<Config, "KAMAILIO_RPC_URL" | "KAMAILIO_DB_PASSWORD">>;
  /** Loopback ports: the PBX side (UDP), "Microsoft" (TCP, test mode), JSON-RPC (HTTP). */
  ports?: { pbx: number; ms: number; rpc: number };
  stop(): Promise<void>;
}

const BANNER_LABEL = "  SBC (Kamailio):    ";

/** Starts the demo SBC, or says why it is not running; never throws for a missing or failing Kamailio. */
export async function startSbcDemo(options: SbcDemoOptions): Promise<SbcDemo> {
  const searchPath = options.searchPath ?? `${process.env.PATH ?? ""}:/usr/sbin:/usr/local/sbin`;
  const kamailio = findExecutable("kamailio", searchPath);
  if (!kamailio) return notRunning(`Kamailio is not installed. Add it with: ${SBC_PACKAGES_COMMAND}`);
  const cfgDir = shippedConfigDir();
  if (!cfgDir) return notRunning("the shipped configuration (sbc/kamailio) was not found");
  const workDir = options.workDir ?? path.join(options.config.dataDir, "sbc");
  const children: Supervised[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
  };
  try {
    await mkdir(path.join(workDir, "run"), { recursive: true, mode: 0o700 });
    const password = options.config.KAMAILIO_DB_PASSWORD ?? randomBytes(18).toString("hex");
    await prepareDatabase(options, password);
    await stopLeftOver(path.join(workDir, "kamailio.pid"));
    await stopLeftOver(path.join(workDir, "rtpengine.pid"));

    const rtpengineBinary = findExecutable("rtpengine", searchPath);
    const media = rtpengineBinary ? await startRtpengine(rtpengineBinary, workDir) : null;
    if (media) children.push(media.process);

    const ports = { pbx: await freePort(), ms: await freePort(), rpc: await freePort() };
    const kamDir = path.join(workDir, "kamailio");
    await rm(kamDir, { recursive: true, force: true });
    await mkdir(kamDir, { recursive: true, mode: 0o700 });
    for (const file of await readdir(cfgDir)) {
      if (file.endsWith(".cfg")) await copyFile(path.join(cfgDir, file), path.join(kamDir, file));
    }
    const dbUrl = new URL(options.databaseUrl);
    dbUrl.username = options.config.KAMAILIO_DB_ROLE;
    dbUrl.password = password;
    await writeFile(
      path.join(kamDir, "kamailio-local.cfg"),
      siteFile(ports, dbUrl.toString(), media?.ngPort),
      {
        mode: 0o600,
      },
    );
    const kam = supervise(
      kamailio,
      [
        "-DD",
        "-E",
        "-f",
        path.join(kamDir, "kamailio.cfg"),
        "-Y",
        path.join(workDir, "run"),
        "-m",
        "64",
        "-M",
        "16",
      ],
      workDir,
      "kamailio",
    );
    children.push(kam);
    const rpcUrl = `http://127.0.0.1:${ports.rpc}/RPC`;
    const failure = await untilAnswering(kam, () => kamailioRpc(rpcUrl, 1000)("core.version"));
    if (failure) {
      await stop();
      return notRunning(`Kamailio did not start (${failure}); see ${path.join(workDir, "kamailio.log")}`);
    }
    const mediaNote = media ? "media through rtpengine" : "no media relay (rtpengine is not installed)";
    return {
      state: "running",
      line: `${BANNER_LABEL}running (test mode) · PBX side udp:127.0.0.1:${ports.pbx} · Microsoft side tcp:127.0.0.1:${ports.ms} · ${mediaNote}`,
      config: { KAMAILIO_RPC_URL: rpcUrl, KAMAILIO_DB_PASSWORD: password },
      ports,
      stop,
    };
  } catch (error) {
    await stop();
    options.log.warn({ err: error }, "the demo SBC could not be started");
    return notRunning(`it could not be started: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function notRunning(reason: string): SbcDemo {
  return {
    state: "not running",
    line: `${BANNER_LABEL}not running: ${reason}`,
    reason: `not running: ${reason}`,
    config: {},
    stop: async () => {},
  };
}

export function findExecutable(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(":").filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** sbc/kamailio of this checkout, found upward from this file (src or dist). */
function shippedConfigDir(): string | null {
  for (let dir = import.meta.dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "sbc/kamailio/kamailio.cfg"))) return path.join(dir, "sbc/kamailio");
  }
  return null;
}

/** Kamailio's schema and its read-only role (with this run's password) in the SBC database. */
async function prepareDatabase(options: SbcDemoOptions, password: string) {
  const pool = hearConnectionLoss(new pg.Pool({ connectionString: options.databaseUrl, max: 1 }));
  try {
    await installKamailioSchema(pool, options.config.KAMAILIO_SCHEMA_DIR, {
      name: options.config.KAMAILIO_DB_ROLE,
      password,
    });
  } finally {
    await pool.end();
  }
}

function siteFile(ports: { pbx: number; ms: number; rpc: number }, dbUrl: string, rtpengineNg?: number) {
  return [
    "# Generated by sip2teams start (the demo SBC): test mode on loopback. Rewritten on every start.",
    "#!define WITH_TESTMODE",
    ...(rtpengineNg
      ? ["#!define WITH_RTPENGINE", `#!substdef "!RTPENGINE_SOCK!udp:127.0.0.1:${rtpengineNg}!g"`]
      : []),
    `#!substdef "!DBURL!${dbUrl}!g"`,
    '#!substdef "!SBC_BASE_DOMAIN!customers.sip2teams.localhost!g"',
    `#!substdef "!MS_LISTEN!tcp:127.0.0.1:${ports.ms}!g"`,
    `#!substdef "!MS_ADV_PORT!${ports.ms}!g"`,
    `#!substdef "!PBX_LISTEN!udp:127.0.0.1:${ports.pbx}!g"`,
    `#!substdef "!PBX_ADVERTISE!127.0.0.1:${ports.pbx}!g"`,
    `#!substdef "!RPC_LISTEN!tcp:127.0.0.1:${ports.rpc}!g"`,
    `#!substdef "!TOPOH_KEY!${randomBytes(16).toString("hex")}!g"`,
    '#!substdef "!TOPOH_MASK_IP!127.0.0.1!g"',
    "",
  ].join("\n");
}

interface Supervised {
  child: ChildProcess;
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** A child process logging to `<workDir>/<name>.log`, its pid in `<name>.pid`, killed if the portal exits first. */
function supervise(binary: string, args: string[], workDir: string, name: string): Supervised {
  const log = createWriteStream(path.join(workDir, `${name}.log`), { flags: "a" });
  log.on("error", () => {});
  const child = spawn(binary, args, { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  // Both pipes drained: only then is the log closed.
  child.once("close", () => log.end());
  const pidFile = path.join(workDir, `${name}.pid`);
  if (child.pid) void writeFile(pidFile, `${child.pid}\n`).catch(() => {});
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => {
    process.removeListener("exit", onExit);
    void rm(pidFile, { force: true });
  });
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A process left by a portal that was killed (its pid file still there): stopped before starting again. */
async function stopLeftOver(pidFile: string) {
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, "utf8")).trim());
  const cmdline = (() => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      return "";
    }
  })();
  // Only our own child: its command line names this data directory.
  if (Number.isInteger(pid) && pid > 1 && cmdline.includes(path.dirname(pidFile))) {
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await sleep(100);
  }
  await rm(pidFile, { force: true });
}

/** Null once `probe` succeeds; the reason when the process exits or 60 s pass without an answer (a busy machine). */
async function untilAnswering(proc: Supervised, probe: () => Promise<unknown>): Promise<string | null> {
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      return `exited with ${proc.child.exitCode ?? proc.child.signalCode}`;
    try {
      await probe();
      return null;
    } catch {
      await sleep(200);
    }
  }
  return "no answer within 60 s";
}

/** rtpengine in userspace on loopback; null when it does not come up (the SBC then runs without media relay). */
async function startRtpengine(binary: string, workDir: string) {
  const ngPort = await freePort();
  const mediaMin = 30_000 + Math.floor(Math.random() * 100) * 100;
  const proc = supervise(
    binary,
    [
      "--foreground",
      "--table=-1",
      "--interface=127.0.0.1",
      `--listen-ng=127.0.0.1:${ngPort}`,
      `--listen-cli=127.0.0.1:${await freePort()}`,
      `--listen-http=127.0.0.1:${await freePort()}`,
      `--port-min=${mediaMin}`,
      `--port-max=${mediaMin + 99}`,
      "--log-stderr",
      // Also names this data directory in its command line, so a left-over one is recognised (stopLeftOver).
      `--pidfile=${path.join(workDir, "run", "rtpengine.pid")}`,
    ],
    workDir,
    "rtpengine",
  );
  const failure = await untilAnswering(proc, () => ngPing(ngPort));
  if (failure) {
    await proc.stop();
    return null;
  }
  return { process: proc, ngPort };
}

/** rtpengine's NG "ping" (bencode over UDP); rejects without a "pong". */
async function ngPing(port: number): Promise<void> {
  const socket = dgram.createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer")), 500);
      socket.on("message", (message) => {
        clearTimeout(timer);
        if (message.toString().includes("pong")) resolve();
        else reject(new Error("unexpected answer"));
      });
      socket.send(Buffer.from("s2t d7:command4:pinge"), port, "127.0.0.1");
    });
  } finally {
    socket.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
