/**
 * Kamailio's database role in the tests. A role belongs to the whole PostgreSQL server, which every
 * test file shares, so every test that sets its password sets this same one.
 */
export const KAMAILIO_DB_ROLE = "sip2teams_kamailio";
export const KAMAILIO_DB_PASSWORD = "kamailio-test-password";

/** The SBC database URL as Kamailio's role (what kamailio-local.cfg's DBURL holds). */
export function asKamailioRole(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.username = KAMAILIO_DB_ROLE;
  url.password = KAMAILIO_DB_PASSWORD;
  return url.toString();
}

// ---------------------------------------------------------------------------------------------------
// A standalone SBC for the Teams readiness tests (sbc-teams-*.test.ts): Kamailio running the shipped
// sbc/kamailio configuration on its own database (Kamailio's SQL files, rows written as the portal's
// sbc module writes them), rtpengine in userspace, and SIPp processes started by the tests.

import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freshDatabaseUrl } from "./database.js";
import { sipTestPort } from "./ports.js";
import { waitFor } from "./wait-for.js";

export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
export const sbcCfgDir = path.join(repoRoot, "sbc/kamailio");
export const sbcScenarios = path.join(repoRoot, "sbc/test");

export interface Proc {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

export function runProcess(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, args, {
    cwd,
    env: env ? { ...process.env, ...env } : process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout!.on("data", (chunk) => output.push(chunk.toString()));
  child.stderr!.on("data", (chunk) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

export async function stopProcess(proc: Proc | undefined) {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), 3_000);
  await proc.exited;
  clearTimeout(timer);
}

export const readTextIfAny = async (file: string) => (existsSync(file) ? readFile(file, "utf8") : "");

/** One rtpengine NG command (bencode in, raw reply text out). */
export async function rtpengineCommand(port: number, bencoded: string): Promise<string | null> {
  const socket = dgram.createSocket("udp4");
  const cookie = `c${Math.random().toString(36).slice(2, 10)}`;
  try {
    return await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 1_000);
      socket.on("message", (message) => {
        clearTimeout(timer);
        resolve(message.toString().slice(cookie.length + 1));
      });
      socket.send(Buffer.from(`${cookie} ${bencoded}`), port, "127.0.0.1");
    });
  } finally {
    socket.close();
  }
}

/** Call-IDs rtpengine holds a session for ("list" command). */
export async function rtpengineCalls(port: number): Promise<string[] | null> {
  const reply = await rtpengineCommand(port, "d7:command4:liste");
  if (reply === null) return null;
  const calls = reply.match(/5:callsl(.*)e6:result/)?.[1] ?? "";
  const ids: string[] = [];
  for (let rest = calls; rest.length > 0; ) {
    const m = rest.match(/^(\d+):/);
    if (!m) break;
    const len = Number(m[1]);
    ids.push(rest.slice(m[0].length, m[0].length + len));
    rest = rest.slice(m[0].length + len);
  }
  return ids;
}

/** The SBC's own ports (always there) and the extra ones a test asked for. */
export type SbcPorts = { ms: number; pbx: number; rpc: number; rtpengineNg: number } & Record<string, number>;

export interface StandaloneSbcOptions {
  /** Extra lines for kamailio-local.cfg. */
  localCfg?: (ports: SbcPorts) => string[];
  /** Kamailio tables to fill before Kamailio starts. */
  seed: (db: pg.Client, ports: SbcPorts, dbUrl: string) => Promise<void>;
  /** The database URL Kamailio uses (its DBURL), e.g. as its own role (`asKamailioRole`); default: `dbUrl`. */
  kamailioDbUrl?: (dbUrl: string) => string;
  /** Port names to allocate beside ms, pbx, rpc, rtpengineNg. */
  extraPorts?: string[];
  /**
   * Production transport (TLS toward Microsoft) instead of test mode: writes certificates into the
   * run's folder and returns the path of the tls.cfg to use.
   */
  prepareTls?: (work: string) => Promise<string>;
  /** Extra environment for the Kamailio process (e.g. LD_PRELOAD of the TLS purpose shim). */
  kamailioEnv?: (work: string) => Promise<NodeJS.ProcessEnv>;
}

export interface StandaloneSbc {
  work: string;
  /** The SBC database (Kamailio reads it with the same URL). */
  dbUrl: string;
  ports: SbcPorts;
  kamailio: Proc;
  rtpengine: Proc;
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
}

const KAMAILIO_TABLES = ["standard", "htable", "domain", "dispatcher", "permissions", "uac"];

/** Kamailio in the foreground, logging to stderr, on the configuration in `dir` (its runtime files in dir/run). */
export function kamailioArgs(dir: string) {
  return [
    "-DD",
    "-E",
    "-f",
    path.join(dir, "kamailio.cfg"),
    "-Y",
    path.join(dir, "run"),
    "-m",
    "64",
    "-M",
    "16",
  ];
}

export async function startStandaloneSbc(options: StandaloneSbcOptions): Promise<StandaloneSbc> {
  for (const binary of ["/usr/sbin/kamailio", "/usr/bin/sipp", "/usr/bin/rtpengine"]) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing (see sbc/README.md)`);
  }
  const work = await mkdtemp(path.join(os.tmpdir(), "sip2teams-sbc-teams-"));
  const ports: SbcPorts = {
    ms: await sipTestPort(),
    pbx: await sipTestPort(),
    rpc: await sipTestPort(),
    rtpengineNg: await sipTestPort(),
  };
  for (const name of options.extraPorts ?? []) ports[name] = await sipTestPort();
  const dbUrl = await freshDatabaseUrl();
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    for (const table of KAMAILIO_TABLES) {
      await db.query(await readFile(`/usr/share/kamailio/postgres/${table}-create.sql`, "utf8"));
    }
    await options.seed(db, ports, dbUrl);
  } finally {
    await db.end();
  }

  // rtpengine in userspace. Another test file may hold the ports picked here (a media range, or the
  // NG port between choosing it and binding it): if it exits, it starts again on other ports.
  let rtpengine: Proc | undefined;
  for (let attempt = 0; !rtpengine; attempt++) {
    const mediaMin = 40_000 + Math.floor(Math.random() * 200) * 100;
    const proc = runProcess(
      "/usr/bin/rtpengine",
      [
        "--foreground",
        "--table=-1",
        "--interface=127.0.0.1",
        `--listen-ng=127.0.0.1:${ports.rtpengineNg}`,
        `--listen-cli=127.0.0.1:${await sipTestPort()}`,
        `--listen-http=127.0.0.1:${await sipTestPort()}`,
        `--port-min=${mediaMin}`,
        `--port-max=${mediaMin + 99}`,
        "--delete-delay=0",
        "--log-stderr",
        `--pidfile=${path.join(work, "rtpengine.pid")}`,
      ],
      work,
    );
    const state = await waitFor(
      "rtpengine listening or exited",
      async () => {
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) return "exited";
        return (await rtpengineCalls(ports.rtpengineNg)) !== null && "listening";
      },
      { timeoutMs: 20_000, retryOnError: true },
    );
    if (state === "listening") rtpengine = proc;
    else if (attempt >= 3) throw new Error(`rtpengine exited:\n${proc.output.join("")}`);
    else ports.rtpengineNg = await sipTestPort();
  }

  const tlsConfig = options.prepareTls ? await options.prepareTls(work) : undefined;
  const kamDir = path.join(work, "kamailio");
  await mkdir(path.join(kamDir, "run"), { recursive: true });
  for (const file of await readdir(sbcCfgDir)) {
    if (file.endsWith(".cfg")) await copyFile(path.join(sbcCfgDir, file), path.join(kamDir, file));
  }
  await writeFile(
    path.join(kamDir, "kamailio-local.cfg"),
    [
      ...(tlsConfig ? [`#!substdef "!TLS_CONFIG!${tlsConfig}!g"`] : ["#!define WITH_TESTMODE"]),
      "#!define WITH_RTPENGINE",
      `#!substdef "!RTPENGINE_SOCK!udp:127.0.0.1:${ports.rtpengineNg}!g"`,
      `#!substdef "!DBURL!${options.kamailioDbUrl?.(dbUrl) ?? dbUrl}!g"`,
      `#!substdef "!SBC_BASE_DOMAIN!${TEAMS_BASE_DOMAIN}!g"`,
      `#!substdef "!MS_LISTEN!${tlsConfig ? "tls" : "tcp"}:127.0.0.1:${ports.ms}!g"`,
      `#!substdef "!MS_ADV_PORT!${ports.ms}!g"`,
      `#!substdef "!PBX_LISTEN!udp:127.0.0.1:${ports.pbx}!g"`,
      `#!substdef "!PBX_ADVERTISE!127.0.0.1:${ports.pbx}!g"`,
      `#!substdef "!RPC_LISTEN!tcp:127.0.0.1:${ports.rpc}!g"`,
      '#!substdef "!TOPOH_KEY!sbc-test-key!g"',
      '#!substdef "!TOPOH_MASK_IP!10.255.255.1!g"',
      "#!define DS_PING_INTERVAL 600",
      ...(options.localCfg?.(ports) ?? []),
      "",
    ].join("\n"),
  );
  const kamailio = runProcess(
    "/usr/sbin/kamailio",
    kamailioArgs(kamDir),
    kamDir,
    await options.kamailioEnv?.(work),
  );
  const rpc = async (method: string, params: unknown[] = []) => {
    const response = await fetch(`http://127.0.0.1:${ports.rpc}/RPC`, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", method, params, id: 1 }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  await waitFor(
    "Kamailio JSON-RPC",
    async () => {
      if (kamailio.child.exitCode !== null) throw new Error(`kamailio exited:\n${kamailio.output.join("")}`);
      await rpc("core.version");
      return true;
    },
    { timeoutMs: 20_000, retryOnError: true },
  );
  return {
    work,
    dbUrl,
    ports,
    kamailio,
    rtpengine,
    rpc,
    async stop() {
      await stopProcess(kamailio);
      await stopProcess(rtpengine);
      if (!process.env.SBC_TEST_KEEP_WORK) await rm(work, { recursive: true, force: true });
    },
  };
}

export const TEAMS_BASE_DOMAIN = "customers.sip2teams.test";

export interface SbcNode {
  proc: Proc;
  ports: { ms: number; pbx: number; rpc: number };
  rpcUrl: string;
  stop(): Promise<void>;
}

/**
 * Another Kamailio node on the same SBC database (sbc/README.md "Several SBC nodes"): the first node's
 * files and site settings with its own ms, pbx and JSON-RPC ports (rtpengine shared); `editSite` changes
 * the rest of its kamailio-local.cfg (e.g. its SBC_NODE_FQDN).
 */
export async function startAnotherSbcNode(
  sbc: StandaloneSbc,
  name: string,
  editSite: (site: string) => string = (site) => site,
): Promise<SbcNode> {
  const dir = path.join(sbc.work, name);
  await cp(path.join(sbc.work, "kamailio"), dir, { recursive: true });
  const ports = { ms: await sipTestPort(), pbx: await sipTestPort(), rpc: await sipTestPort() };
  const site = (await readFile(path.join(dir, "kamailio-local.cfg"), "utf8"))
    .replaceAll(`:${sbc.ports.ms}!`, `:${ports.ms}!`)
    .replaceAll(`!${sbc.ports.ms}!`, `!${ports.ms}!`)
    .replaceAll(`:${sbc.ports.pbx}!`, `:${ports.pbx}!`)
    .replaceAll(`:${sbc.ports.rpc}!`, `:${ports.rpc}!`);
  await writeFile(path.join(dir, "kamailio-local.cfg"), editSite(site));
  const proc = runProcess("/usr/sbin/kamailio", kamailioArgs(dir), dir);
  const rpcUrl = `http://127.0.0.1:${ports.rpc}/RPC`;
  await waitFor(
    `SBC node ${name}'s JSON-RPC`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`kamailio ${name} exited:\n${proc.output.join("")}`);
      const response = await fetch(rpcUrl, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", method: "core.version", id: 1 }),
      });
      return response.ok;
    },
    { timeoutMs: 30_000, retryOnError: true },
  );
  return { proc, ports, rpcUrl, stop: () => stopProcess(proc) };
}

/** Runs a SIPp client scenario to completion; resolves with its exit code (0: every call succeeded). */
export async function runSipp(
  work: string,
  name: string,
  scenario: string,
  target: string,
  args: string[],
  started?: (proc: Proc) => void,
) {
  // SIPp's default local port (5060) would be shared by every test file's SIPp running at once.
  const localPort = args.includes("-p") ? [] : ["-p", String(await sipTestPort())];
  const proc = runProcess(
    "/usr/bin/sipp",
    [
      target,
      ...localPort,
      "-sf",
      path.join(sbcScenarios, scenario),
      "-m",
      "1",
      "-nostdin",
      "-timeout",
      "30",
      "-timeout_error",
      "-trace_msg",
      "-message_file",
      path.join(work, `${name}-messages.log`),
      "-trace_logs",
      "-log_file",
      path.join(work, `${name}.log`),
      ...args,
    ],
    work,
  );
  started?.(proc);
  const code = await proc.exited;
  return {
    code,
    output: proc.output.join(""),
    messages: await readTextIfAny(path.join(work, `${name}-messages.log`)),
    log: await readTextIfAny(path.join(work, `${name}.log`)),
  };
}

/** Sends one SIP request over UDP and resolves with the first final response's status line. */
export async function sendUdpRequest(port: number, build: (localPort: number) => string): Promise<string> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  try {
    const final = new Promise<string>((resolve) =>
      socket.on("message", (m) => {
        const line = m.toString().split("\r\n")[0]!;
        if (!/^SIP\/2\.0 1\d\d/.test(line)) resolve(line);
      }),
    );
    socket.send(build(socket.address().port), port, "127.0.0.1");
    return await final;
  } finally {
    socket.close();
  }
}
