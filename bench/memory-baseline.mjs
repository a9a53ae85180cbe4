#!/usr/bin/env node
// Idle memory of each process kind (issue 13, item 4). On a new data folder (embedded PostgreSQL, created and
// migrated by a first `sip2teams migrate`), starts through the real bin (node apps/server/bin/sip2teams.js), one
// at a time: `sip2teams worker` and `sip2teams serve` as production runs them (RUN_WORKERS=false for serve,
// no emulator), and the all-in-one `sip2teams start` as `npm start` runs it (emulator, demo seed, workers).
// Each is waited for until ready (worker: "workers started" logged; serve: /readyz; start: its banner), left
// idle for IDLE_S seconds (BENCH_IDLE_S, default 30), and its node process's VmRSS read from /proc/<pid>/status
// every 250 ms: the largest sample after the first SETTLE_S seconds is the result (an idle process still
// allocates a little, polling its queues, so RSS saws up and down with the garbage collector; the top counts).
// Embedded PostgreSQL, the demo SBC and PowerShell stand-ins run as separate processes and are not counted.
// Targets: worker < 150 MB, all-in-one < 200 MB; serve is reported against the all-in-one's target, which
// bounds it (the all-in-one is serve plus workers and the emulator).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./support/portal.mjs";
import { report, reportFailure } from "./support/report.mjs";

const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 30);
const SETTLE_S = 5;
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "apps/server/bin/sip2teams.js");

const KINDS = [
  {
    name: "sip2teams worker",
    args: ["worker"],
    env: { M365_EMULATOR: "off" },
    ready: (output) => output.includes("workers started"),
    targetMb: 150,
  },
  {
    name: "sip2teams serve (RUN_WORKERS=false)",
    args: ["serve"],
    env: { M365_EMULATOR: "off", RUN_WORKERS: "false" },
    ready: (output) => output.includes("Portal: "),
    targetMb: 200,
  },
  {
    name: "all-in-one (sip2teams start, as npm start)",
    args: ["start"],
    env: { M365_EMULATOR: "auto", DEMO_SEED: "true" },
    ready: (output) => output.includes("Stop with Ctrl-C."),
    targetMb: 200,
  },
];

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `sip2teams <args>` on the data folder; resolves with the child once `ready(stdout so far)` holds. */
async function start(dataDir, args, env, ready) {
  const { DATABASE_URL: _external, ...inherited } = process.env;
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: {
      ...inherited,
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      DEMO_SEED: "false",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (ready(output)) resolve();
    });
    child.once("exit", (code) =>
      reject(new Error(`sip2teams ${args.join(" ")} exited during start-up (${code})`)),
    );
  });
  const stop = async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    await exited;
  };
  return { child, stop };
}

async function run(command, dataDir) {
  const { DATABASE_URL: _external, ...inherited } = process.env;
  const child = spawn(process.execPath, [bin, ...command], {
    cwd: root,
    env: { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: "warn", M365_EMULATOR: "off" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`sip2teams ${command.join(" ")} exited with ${code}`);
}

const dataDir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-memory-"));
try {
  await run(["migrate"], dataDir);
  const rows = [];
  for (const kind of KINDS) {
    const measure = `idle RSS, ${kind.name}`;
    const target = `< ${kind.targetMb} MB`;
    try {
      const running = await start(dataDir, kind.args, kind.env, kind.ready);
      const samples = [];
      try {
        for (let elapsed = 0; elapsed < IDLE_S * 1000; elapsed += 250) {
          await sleep(250);
          samples.push({ at: elapsed, ...memoryOf(running.child.pid) });
        }
      } finally {
        await running.stop();
      }
      const window = samples.filter((sample) => sample.at >= SETTLE_S * 1000);
      const idleMb = Math.max(...window.map((sample) => sample.rssMb));
      const peakMb = samples.at(-1).peakMb;
      console.log(`${kind.name}: idle RSS ${idleMb.toFixed(1)} MB, peak since start ${peakMb.toFixed(1)} MB`);
      rows.push({ measure, target, measured: `${idleMb.toFixed(1)} MB`, pass: idleMb < kind.targetMb });
    } catch (error) {
      rows.push({ measure, target, measured: `error: ${error?.message ?? error}`, pass: false });
    }
  }
  report("memory-baseline", rows);
} catch (error) {
  reportFailure(
    "memory-baseline",
    "idle RSS of each process kind",
    "worker < 150 MB, all-in-one < 200 MB",
    error,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
