#!/usr/bin/env node
// First "Sync Teams Users" of a 50,000-user tenant, through the path a user's click takes: POST …/teams-users/sync
// to the built portal (`sip2teams serve`, RUN_WORKERS=false), pg-boss, and a separate `sip2teams worker` process
// that runs the job against the Microsoft 365 emulator (Graph /users/delta, $top=999), all on one embedded
// PostgreSQL. Each per-page latency shape (100 ms, then 20 ms: the emulator's `pageLatencyMs`, the time Microsoft
// takes to answer a page) syncs its own tenant; the second runs with the first tenant's 50,000 rows already in the
// shared table, as on a portal that serves other tenants. A small warm-up sync runs first (not measured).
// Prints per shape: wall ÷ (pages × latency) (targets ≤ 1.1 at 100 ms, ≤ 1.3 at 20 ms), wall from the job's start
// (pg-boss started_on) to the round's end; checks the results (every Graph user stored once with its address, name
// and eligibility; the round completed with 50,000 seen and added, none removed); and the worker's peak RSS while
// syncing (VmHWM from /proc/<pid>/status, reset before each sync; target < 250 MB). Also printed, to read a ratio
// by: the CPU-seconds PostgreSQL, the worker and the emulator (this process) spent, and per page Microsoft's answer
// time and the worker's turnaround to its next request (the round's critical path), and the floor: the same pages
// followed at the same latency by a process that only reads each page's next link (support/delta-link-follower.mjs).
// BENCH_USERS sets the size (e.g. 5000 for a quick run), BENCH_LATENCIES the shapes ("100,20").
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { bigTenantScenario } from "./support/big-tenant.mjs";
import { startPortal } from "./support/portal.mjs";
import { report, reportFailure } from "./support/report.mjs";

const USERS = Number(process.env.BENCH_USERS ?? 50_000);
const SHAPES = (process.env.BENCH_LATENCIES ?? "100,20").split(",").map(Number);
const TARGETS = { 100: 1.1, 20: 1.3 };
const RSS_TARGET_MB = 250;
const PAGE_SIZE = 999;
const root = path.resolve(import.meta.dirname, "..");
const dist = (p) => new URL(`../apps/server/dist/${p}`, import.meta.url).href;
const { startEmbeddedPostgres } = await import(dist("db/embedded-postgres.js"));
const { connectDatabase } = await import(dist("db/client.js"));
const { runMigrations } = await import(dist("db/migrate.js"));
const { accountRepository } = await import(dist("modules/tenancy/repository.js"));
const { SESSION_COOKIE, sessionStore } = await import(dist("modules/identity/sessions.js"));
const { syncEligibility } = await import(dist("modules/teams-users/eligibility.js"));
const { startM365Emulator, DEMO_APP } = await import(
  new URL("../packages/m365-emulator/dist/index.js", import.meta.url).href
);

const tenantIdOf = (i) => `3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a${String(70 + i)}`;
const dir = mkdtempSync(path.join(os.tmpdir(), "sip2teams-bench-sync-"));
// One tenant per shape, each a first sync; the app may read users and Teams user configurations (accountType).
const scenario = bigTenantScenario({
  name: "bench-sync",
  tenantId: tenantIdOf(0),
  users: USERS,
  app: DEMO_APP,
});
scenario.apps[0].applicationPermissions.push("TeamsUserConfiguration.Read.All");
// The last tenant is the warm-up's: a small sync first, so the worker's one-time costs (loading the sync's code,
// its first token and database connections, the JIT) fall outside the measured rounds, as in a worker that has
// been serving for a while.
const WARMUP = SHAPES.length;
scenario.tenants = [...SHAPES, "warm-up"].map((_, i) => ({
  ...scenario.tenants[0],
  id: tenantIdOf(i),
  name: `big${i}`,
  domains: [`big${i}.example`],
  generateUsers: { count: i === WARMUP ? 2 * PAGE_SIZE : USERS, seed: 42 + i },
}));
const emu = await startM365Emulator({ dataDir: path.join(dir, "emulator"), scenario });
tls.setDefaultCACertificates([...tls.getCACertificates("default"), emu.caCertPem]);
const caFile = path.join(dir, "emulator-ca.pem");
writeFileSync(caFile, emu.caCertPem);

const pg = await startEmbeddedPostgres(path.join(dir, "pg"), () => {});
const database = connectDatabase(pg.url, 2);
let portal;
let worker;
try {
  await runMigrations(database);
  const { db, pool } = database;
  const accounts = accountRepository(db);
  const operator = await accounts.create({ kind: "operator", name: "Operator", parent: null });
  const enterprises = [];
  for (let i = 0; i <= WARMUP; i++) {
    const enterprise = await accounts.create({ kind: "enterprise", name: `Big ${i}`, parent: operator });
    await pool.query(
      `insert into microsoft_connections (enterprise_account_id, tenant_id, tenant_domain, admin_upn, admin_object_id, status)
       values ($1, $2, $3, $4, '00000000-0000-0000-0000-000000000000', 'connected')`,
      [enterprise.id, tenantIdOf(i), `big${i}.example`, `admin@big${i}.example`],
    );
    enterprises.push(enterprise);
  }
  const [admin] = (
    await pool.query(
      "insert into portal_users (account_id, email, name, role, status) values ($1, 'bench@example.test', 'Bench', 'Admin', 'active') returning id",
      [operator.id],
    )
  ).rows;
  const session = await sessionStore(db, { idleMinutes: 600, absoluteHours: 12 }).create(admin.id, {});

  const env = {
    DATABASE_URL: pg.url,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    M365_EMULATOR: "off",
    MICROSOFT_LOGIN_URL: emu.url,
    MICROSOFT_GRAPH_URL: emu.graphUrl,
    TEAMS_ADMIN_URL: emu.teamsAdminUrl,
    MICROSOFT_CLIENT_ID: DEMO_APP.clientId,
    MICROSOFT_CLIENT_SECRET: DEMO_APP.clientSecret,
    EXTRA_CA_FILE: caFile,
    TEAMS_USERS_SYNC_MINUTES: "0",
    SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
    SECRETS_KEY_ID: "bench",
    SMTP_URL: "smtp://127.0.0.1:9",
    MAIL_FROM: "bench@example.test",
    PUBLIC_URL: "http://127.0.0.1",
  };
  // startPortal runs on its own embedded database; the /usr/bin/env prefix hands the child this one instead.
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const cli = path.join(root, "apps/server/bin/sip2teams.js");
  portal = await startPortal({
    dataDir: path.join(dir, "portal"),
    command: ["/usr/bin/env", ...envArgs, "RUN_WORKERS=false", process.execPath, cli, "serve"],
  });
  worker = spawn(process.execPath, [cli, "worker"], {
    cwd: root,
    env: { ...process.env, ...env, DATA_DIR: path.join(dir, "worker") },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const workerExit = new Promise((resolve) => worker.once("exit", resolve));
  const status = () => {
    const text = readFileSync(`/proc/${worker.pid}/status`, "utf8");
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  };
  // Idle: the worker has booted when its RSS holds still for a second.
  for (let last = 0, still = 0; still < 10; ) {
    if (worker.exitCode !== null) throw new Error(`the worker exited during start-up (${worker.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { rss } = status();
    still = Math.abs(rss - last) < 1 ? still + 1 : 0;
    last = rss;
  }
  console.log(
    `sync-50k: worker ${worker.pid} idle at ${status().rss.toFixed(0)} MB RSS; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );

  // CPU-seconds per process group while a sync runs: the worker, PostgreSQL (the postmaster, its backends, and
  // its exited children) and this process (the emulator). On a busy machine they say where the time went.
  const postmasterPid = Number(readFileSync(path.join(dir, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
  const cpuOf = (pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return {
        own: (Number(fields[11]) + Number(fields[12])) / 100,
        children: (Number(fields[13]) + Number(fields[14])) / 100,
        ppid: Number(fields[1]),
      };
    } catch {
      return { own: 0, children: 0, ppid: 0 };
    }
  };
  const postgresCpu = () => {
    const master = cpuOf(postmasterPid);
    let total = master.own + master.children;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const child = cpuOf(entry);
      if (child.ppid === postmasterPid) total += child.own;
    }
    return total;
  };
  const cpuNow = () => ({
    worker: cpuOf(worker.pid).own,
    postgres: postgresCpu(),
    emulator: process.cpuUsage(),
  });
  const headers = {
    cookie: `${SESSION_COOKIE}=${session.cookieValue}`,
    "x-csrf-token": session.csrfToken,
  };
  /** Sync Teams Users, as the Users page's button does, and wait for the round's end. */
  const syncAndWait = async (enterprise) => {
    const response = await fetch(`${portal.base}/api/accounts/${enterprise.id}/teams-users/sync`, {
      method: "POST",
      headers,
    });
    if (response.status !== 202) throw new Error(`POST sync: ${response.status} ${await response.text()}`);
    for (;;) {
      if (worker.exitCode !== null) throw new Error(`the worker exited (${worker.exitCode})`);
      const state = (
        await pool.query("select * from teams_user_syncs where enterprise_account_id = $1", [enterprise.id])
      ).rows[0];
      if (state.status === "completed" || state.status === "failed") return state;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const warmUp = await syncAndWait(enterprises[WARMUP]);
  if (warmUp.status !== "completed") throw new Error(`the warm-up sync failed: ${warmUp.last_error}`);
  for (const [i, latencyMs] of SHAPES.entries()) {
    const enterprise = enterprises[i];
    const shape = `${latencyMs} ms/page`;
    try {
      emu.state.setFaults({ pageLatencyMs: latencyMs });
      // The peak is the sync's: VmHWM is reset to the current RSS (clear_refs 5), and RSS is also sampled.
      writeFileSync(`/proc/${worker.pid}/clear_refs`, "5");
      const rssAtStart = status().rss;
      let sampledPeak = rssAtStart;
      const sampler = setInterval(() => {
        sampledPeak = Math.max(sampledPeak, status().rss);
      }, 20);
      // The emulator lives in this process with every tenant's users: collect its garbage now, so a full
      // collection of that heap does not stall Microsoft's side mid-round (npm run bench passes --expose-gc).
      globalThis.gc?.();
      const cpuBefore = cpuNow();
      const state = await syncAndWait(enterprise);
      clearInterval(sampler);
      const cpuAfter = cpuNow();
      const emulatorCpu = process.cpuUsage(cpuBefore.emulator);
      const cpu = {
        worker: cpuAfter.worker - cpuBefore.worker,
        postgres: cpuAfter.postgres - cpuBefore.postgres,
        emulator: (emulatorCpu.user + emulatorCpu.system) / 1e6,
      };
      const peakMb = Math.max(sampledPeak, status().hwm);
      // The sync's own requests, before the link follower adds its own to the tenant's log.
      const pageLog = emu.state
        .requests(tenantIdOf(i))
        .filter((r) => r.path.endsWith("/users/delta"))
        .map((r) => ({ end: Date.parse(r.time), took: r.durationMs }));
      const floor = await followLinks(tenantIdOf(i));
      emu.state.setFaults({ pageLatencyMs: 0 });
      if (state.status === "failed") throw new Error(`the sync failed: ${state.last_error}`);
      const [job] = (
        await pool.query(
          "select started_on, completed_on from pgboss.job where name = 'teams-users.sync' and data->>'enterpriseAccountId' = $1 order by created_on desc limit 1",
          [enterprise.id],
        )
      ).rows;
      const wallMs = state.finished_at.getTime() - job.started_on.getTime();
      const ideal = state.pages * latencyMs;
      const ratio = wallMs / ideal;
      const problems = await checkResults(pool, enterprise.id, tenantIdOf(i), state);
      console.log(
        `sync-50k [${shape}]: ${state.users_seen} users in ${state.pages} pages, wall ${(wallMs / 1000).toFixed(2)} s ` +
          `from the job's start (the round itself ${((state.finished_at - state.started_at) / 1000).toFixed(2)} s), ` +
          `latency alone ${(ideal / 1000).toFixed(2)} s; worker RSS ${rssAtStart.toFixed(0)} MB at the start, peak ${peakMb.toFixed(0)} MB`,
      );
      console.log(
        `sync-50k [${shape}]: CPU-seconds: PostgreSQL ${cpu.postgres.toFixed(2)}, worker ${cpu.worker.toFixed(2)}, ` +
          `emulator (this process, polling included) ${cpu.emulator.toFixed(2)}; ${os.cpus().length} cores, so the CPU alone ` +
          `bounds the ratio here at ≥ ${((cpu.postgres + cpu.worker + cpu.emulator) / os.cpus().length / (ideal / 1000)).toFixed(2)}; ` +
          `load ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")}`,
      );
      // Where the critical path goes, from the emulator's request log: how long Microsoft took per page (arrival
      // to response sent) and how long the worker took from a page's response to its next request.
      const turnaround = pageLog.slice(1).map((r, k) => r.end - r.took - pageLog[k].end);
      const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      console.log(
        `sync-50k [${shape}]: per page, Microsoft (the emulator) answered in ${mean(pageLog.map((r) => r.took)).toFixed(0)} ms; ` +
          `the worker asked for the next page ${mean(turnaround).toFixed(0)} ms after a page's answer (the longest ${Math.max(0, ...turnaround).toFixed(0)} ms, after page ${turnaround.indexOf(Math.max(...turnaround)) + 1}); ` +
          `the job's start to the first page's request ${(pageLog[0].end - pageLog[0].took - job.started_on.getTime()).toFixed(0)} ms, ` +
          `the last page's answer to the round's end ${(state.finished_at.getTime() - pageLog.at(-1).end).toFixed(0)} ms`,
      );
      const floorRatio = floor.ms / (floor.pages * latencyMs);
      console.log(
        `sync-50k [${shape}]: a bare link follower (bench/support/delta-link-follower.mjs: the same requests, each page ` +
          `read only to its next link, nothing parsed or stored) took ${(floor.ms / 1000).toFixed(2)} s for ${floor.pages} pages: ` +
          `ratio ${floorRatio.toFixed(2)}, the floor on this machine`,
      );
      const target = TARGETS[latencyMs] ?? 1.1;
      report("sync-50k", [
        {
          measure: `first sync of ${USERS} users, results checked (${shape})`,
          target: `${USERS} stored as Graph has them, round completed`,
          measured: problems.length === 0 ? "ok" : problems.join("; ").slice(0, 200),
          pass: problems.length === 0,
        },
        {
          measure: `first sync, wall ÷ (pages × latency) at ${shape}`,
          target: `≤ ${target}`,
          measured: `${ratio.toFixed(2)} (bare link follower ${floorRatio.toFixed(2)})`,
          pass: ratio <= target,
        },
        {
          measure: `worker peak RSS while syncing (${shape})`,
          target: `< ${RSS_TARGET_MB} MB`,
          measured: `${peakMb.toFixed(0)} MB`,
          pass: peakMb < RSS_TARGET_MB,
        },
      ]);
    } catch (error) {
      emu.state.setFaults({ pageLatencyMs: 0 });
      reportFailure("sync-50k", `first sync (${shape})`, "completes with the right results", error);
    }
  }
  worker.kill("SIGINT");
  await workerExit;
  worker = undefined;
} finally {
  if (worker && worker.exitCode === null) worker.kill("SIGKILL");
  await portal?.stop();
  await database.close();
  await emu.close();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** The same delta pages followed by a process that does nothing else (the floor of the ratio on this machine). */
async function followLinks(tenantId) {
  const follower = spawn(
    process.execPath,
    [
      path.join(import.meta.dirname, "support/delta-link-follower.mjs"),
      emu.graphUrl,
      emu.url,
      tenantId,
      DEMO_APP.clientId,
      DEMO_APP.clientSecret,
      caFile,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  follower.stdout.on("data", (chunk) => {
    out += chunk;
  });
  const code = await new Promise((resolve) => follower.once("exit", resolve));
  if (code !== 0) throw new Error(`the link follower exited with ${code}`);
  const result = JSON.parse(out);
  const expected = Math.ceil(USERS / PAGE_SIZE);
  if (result.pages !== expected)
    throw new Error(`the link follower saw ${result.pages} pages, expected ${expected}`);
  return result;
}

/** What is wrong with the stored directory of one tenant, compared with what Graph lists (empty: nothing). */
async function checkResults(pool, enterpriseId, tenantId, state) {
  const problems = [];
  const expectedPages = Math.ceil(USERS / PAGE_SIZE);
  if (state.pages !== expectedPages) problems.push(`${state.pages} pages, expected ${expectedPages}`);
  if (state.users_seen !== USERS) problems.push(`${state.users_seen} users seen`);
  if (state.added !== USERS || state.updated !== 0 || state.removed !== 0)
    problems.push(`added ${state.added}, updated ${state.updated}, removed ${state.removed}`);
  if (!state.delta_link || state.next_link) problems.push("no delta link kept, or a next link left");
  const token = await graphToken(tenantId);
  const graph = async (pathAndQuery) => {
    const items = [];
    for (let next = `${emu.graphUrl}/v1.0${pathAndQuery}`; next; ) {
      const response = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`check: GET ${next}: ${response.status}`);
      const body = await response.json();
      items.push(...body.value);
      next = body["@odata.nextLink"];
    }
    return items;
  };
  const select =
    "id,userPrincipalName,displayName,mail,accountEnabled,usageLocation,assignedPlans,userType,isResourceAccount";
  const users = await graph(`/users?$select=${select}&$top=999`);
  const filter = encodeURIComponent("accountType eq 'sfbOnPremUser' or accountType eq 'ineligibleUser'");
  const accountTypes = new Map(
    (await graph(`/admin/teams/userConfigurations?$filter=${filter}&$select=id,accountType&$top=999`)).map(
      (c) => [c.id.toLowerCase(), c.accountType],
    ),
  );
  const rows = (
    await pool.query(
      "select object_id, user_principal_name, display_name, eligible, removed_at from teams_users where enterprise_account_id = $1",
      [enterpriseId],
    )
  ).rows;
  const stored = new Map(rows.map((r) => [r.object_id, r]));
  if (rows.length !== users.length)
    problems.push(`${rows.length} rows stored, Graph has ${users.length} users`);
  let wrong = 0;
  for (const user of users) {
    const row = stored.get(user.id);
    const eligible = syncEligibility(user, accountTypes.get(user.id.toLowerCase())).eligible;
    if (
      !row ||
      row.removed_at !== null ||
      row.user_principal_name !== user.userPrincipalName ||
      row.display_name !== (user.displayName ?? "") ||
      row.eligible !== eligible
    )
      wrong++;
  }
  if (wrong > 0) problems.push(`${wrong} users missing or stored differently from Graph`);
  return problems;
}

async function graphToken(tenantId) {
  const response = await fetch(`${emu.url}/${tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      scope: "https://graph.microsoft.com/.default",
    }),
  });
  return (await response.json()).access_token;
}
