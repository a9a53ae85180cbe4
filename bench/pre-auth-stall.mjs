#!/usr/bin/env node
// Pre-auth event-loop stall (issue 17, item 2): while anonymous clients keep posting 19 MB of nested `[`
// to /api/auth/sign-in (half announcing Content-Length, half chunked), /healthz is polled over HTTP.
// Prints /healthz p50/p95/max; target p95 < 100 ms. Runs the built `sip2teams serve` (npm run build)
// on embedded PostgreSQL in a temporary data folder.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { report } from "./support/report.mjs";

const TARGET_MS = 100;
const SENDERS = Number(process.env.BENCH_SENDERS ?? 4);
const PROBES = Number(process.env.BENCH_PROBES ?? 100);
const BODY_BYTES = 19 * 1024 * 1024;
const root = path.resolve(import.meta.dirname, "..");

/** Posts the 19 MB body until told to stop, reporting each answer (status or socket error) to the main thread. */
async function sendForever(base, chunked) {
  const body = Buffer.from("[".repeat(BODY_BYTES / 2) + "]".repeat(BODY_BYTES / 2));
  let sending = true;
  parentPort.on("message", () => {
    sending = false;
  });
  while (sending) parentPort.postMessage(await postOnce(base, body, chunked));
  parentPort.close();
}

/** Posts the body once; resolves with the status (or the socket error) whatever happens. */
function postOnce(base, body, chunked) {
  return new Promise((resolve) => {
    const request = http.request(`${base}/api/auth/sign-in`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(body.length) }),
      },
    });
    request.on("response", (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode));
    });
    request.on("error", (error) => resolve(error.code ?? "error"));
    // In 1 MB pieces, like a real client streaming the upload.
    for (let at = 0; at < body.length; at += 1024 * 1024) request.write(body.subarray(at, at + 1024 * 1024));
    request.end();
  });
}

if (isMainThread) {
  const port = await new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-stall-"));
  const env = {
    ...process.env,
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    DEMO_SEED: "false",
    RUN_WORKERS: "false",
    M365_EMULATOR: "off",
  };
  delete env.DATABASE_URL;
  const server = spawn(process.execPath, [path.join(root, "apps/server/bin/sip2teams.js"), "serve"], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;

  async function timedHealthz() {
    const t0 = performance.now();
    const response = await fetch(`${base}/healthz`);
    await response.text();
    return performance.now() - t0;
  }

  try {
    for (let ready = false; !ready; ) {
      if (server.exitCode !== null) throw new Error("sip2teams serve exited during start-up");
      ready = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (let i = 0; i < 5; i++) await timedHealthz(); // warm-up

    const baseline = [];
    for (let i = 0; i < 20; i++) baseline.push(await timedHealthz());
    const statuses = new Map();
    const senders = Array.from({ length: SENDERS }, (_, i) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { base, chunked: i % 2 === 1 } });
      worker.on("message", (status) => statuses.set(status, (statuses.get(status) ?? 0) + 1));
      return worker;
    });
    await new Promise((resolve) => {
      const check = setInterval(() => {
        if (statuses.size > 0) resolve(clearInterval(check));
      }, 20);
    });
    const times = [];
    for (let i = 0; i < PROBES; i++) {
      times.push(await timedHealthz());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(
      senders.map((worker) => {
        const exited = new Promise((resolve) => worker.once("exit", resolve));
        worker.postMessage("stop");
        return exited;
      }),
    );

    const sorted = [...times].sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    const p95 = pct(95);
    console.log(
      `pre-auth-stall: ${SENDERS} senders of ${BODY_BYTES / 1024 / 1024} MB nested-array sign-ins; answers: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}`,
    );
    baseline.sort((a, b) => a - b);
    console.log(`  /healthz before the uploads   p50 ${baseline[10].toFixed(1).padStart(6)} ms`);
    console.log(
      `  /healthz during the uploads   p50 ${pct(50).toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   max ${sorted.at(-1).toFixed(1).padStart(6)} ms`,
    );
    report("pre-auth-stall", [
      {
        measure: "/healthz p95 during hostile uploads",
        target: `< ${TARGET_MS} ms`,
        measured: `${p95.toFixed(1)} ms`,
        pass: p95 < TARGET_MS,
      },
    ]);
  } finally {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    if (server.exitCode === null) server.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// The uploads run in a worker thread, so the /healthz probe's own event loop measures only the server.
if (!isMainThread) {
  const { base, chunked } = workerData;
  await sendForever(base, chunked);
}
