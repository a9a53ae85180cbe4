#!/usr/bin/env node
// First "Sync Teams Users" of a 50,000-user tenant: Graph /users/delta paged with $top=999 from the Microsoft 365
// emulator, which adds a fixed latency to every request. The sync runs in a child process (the portal's own
// runSync from apps/server/dist, embedded PostgreSQL) so its peak RSS is measured alone.
// Prints wall time ÷ (pages × latency) (target ≤ 1.3) and peak RSS (target < 300 MB).
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bigTenantScenario } from "./support/big-tenant.mjs";
import { report } from "./support/report.mjs";

const USERS = Number(process.env.BENCH_USERS ?? 50_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 500);
const TENANT = "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a77";
const serverDist = (p) => new URL(`../apps/server/dist/${p}`, import.meta.url).href;

if (process.argv[2] === "--child") {
  // The portal side: sync the tenant into a fresh database, report timings and this process's peak RSS.
  const env = JSON.parse(process.env.BENCH_ENV);
  const { loadConfig } = await import(serverDist("config/config.js"));
  const { connectDatabase } = await import(serverDist("db/client.js"));
  const { runMigrations } = await import(serverDist("db/migrate.js"));
  const { createSecretBox } = await import(serverDist("crypto/secret-box.js"));
  const { trustExtraCa } = await import(serverDist("modules/microsoft/trust.js"));
  const { accountRepository } = await import(serverDist("modules/tenancy/repository.js"));
  const { runSync } = await import(serverDist("modules/teams-users/sync.js"));
  const pino = (await import("pino")).default;
  trustExtraCa(env.caPem);
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: env.databaseUrl,
    M365_EMULATOR: "off",
    MICROSOFT_LOGIN_URL: env.url,
    MICROSOFT_GRAPH_URL: env.graphUrl,
    TEAMS_ADMIN_URL: env.teamsAdminUrl,
    MICROSOFT_CLIENT_ID: env.clientId,
    MICROSOFT_CLIENT_SECRET: env.clientSecret,
  });
  const database = connectDatabase(env.databaseUrl, 4);
  await runMigrations(database);
  const { db, pool } = database;
  const accounts = accountRepository(db);
  const operator = await accounts.create({ kind: "operator", name: "Operator", parent: null });
  const enterprise = await accounts.create({ kind: "enterprise", name: "Big", parent: operator });
  await pool.query(
    `insert into microsoft_connections (enterprise_account_id, tenant_id, tenant_domain, admin_upn, admin_object_id, status)
     values ($1, $2, 'big.example', 'admin@big.example', '00000000-0000-0000-0000-000000000000', 'connected')`,
    [enterprise.id, TENANT],
  );
  const deps = {
    db,
    config,
    secrets: createSecretBox("k1", { k1: Buffer.alloc(32, 7) }),
    log: pino({ level: "silent" }),
  };
  // Warm the token cache (one token request, not part of the paging).
  const { microsoftRuntime } = await import(serverDist("modules/microsoft/runtime.js"));
  await microsoftRuntime(deps).tokens.get(TENANT, "graph");
  const { voiceApi } = await import(serverDist("modules/teams-users/microsoft-voice.js"));
  const api = await voiceApi(deps, TENANT);
  let fetchMs = 0;
  const fetchPage = api.deltaPage;
  api.deltaPage = async (link) => {
    const t0 = performance.now();
    try {
      return await fetchPage(link);
    } finally {
      fetchMs += performance.now() - t0;
    }
  };
  const rssBeforeKb = process.resourceUsage().maxRSS;
  // A long-running portal has long collected its start-up garbage (module loading leaves ~150 MB of it);
  // collect it here too, so the peak below is the sync's, not the boot's.
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const rssAtStart = process.memoryUsage().rss;
  // RSS sampled while the sync runs (the process's lifetime maximum also counts module loading at start).
  let syncPeakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    syncPeakRss = Math.max(syncPeakRss, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  const result = await runSync(deps, enterprise.id, { api });
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const stored = (
    await pool.query(
      "select count(*)::int as n, count(*) filter (where eligible)::int as eligible from teams_users",
    )
  ).rows[0];
  await database.close();
  process.send({
    rssAtStart,
    syncPeakRss,
    rssBeforeKb,
    memory: process.memoryUsage(),
    fetchMs,
    wallMs,
    pages: result.pages,
    users: result.users,
    stored,
    maxRssKb: process.resourceUsage().maxRSS,
  });
  process.exit(0);
}

const { startM365Emulator, DEMO_APP } = await import(
  new URL("../packages/m365-emulator/dist/index.js", import.meta.url).href
);
const { startEmbeddedPostgres } = await import(serverDist("db/embedded-postgres.js"));
const dir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-sync-"));
const { default: tls } = await import("node:tls");
const emu = await startM365Emulator({
  dataDir: path.join(dir, "emulator"),
  latencyMs: LATENCY_MS,
  scenario: bigTenantScenario({ name: "bench-sync", tenantId: TENANT, users: USERS, app: DEMO_APP }),
});
tls.setDefaultCACertificates([...tls.getCACertificates("default"), emu.caCertPem]);
const pg = await startEmbeddedPostgres(path.join(dir, "pg"), () => {});
try {
  const child = fork(fileURLToPath(import.meta.url), ["--child"], {
    execArgv: ["--expose-gc"],
    env: {
      ...process.env,
      BENCH_ENV: JSON.stringify({
        databaseUrl: pg.url,
        url: emu.url,
        graphUrl: emu.graphUrl,
        teamsAdminUrl: emu.teamsAdminUrl,
        caPem: emu.caCertPem,
        clientId: DEMO_APP.clientId,
        clientSecret: DEMO_APP.clientSecret,
      }),
    },
  });
  const result = await new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => code !== 0 && reject(new Error(`sync child exited with ${code}`)));
  });
  const ideal = result.pages * LATENCY_MS;
  console.log(
    `sync-50k: time inside Graph calls ${(result.fetchMs / 1000).toFixed(2)} s (latency alone ${(ideal / 1000).toFixed(2)} s)`,
  );
  const ratio = result.wallMs / ideal;
  const rssMb = result.syncPeakRss / 1048576;
  console.log(
    `sync-50k: RSS when the sync starts ${(result.rssAtStart / 1048576).toFixed(0)} MB; process lifetime maxRSS ` +
      `${(result.maxRssKb / 1024).toFixed(0)} MB (${(result.rssBeforeKb / 1024).toFixed(0)} MB reached while loading modules); ` +
      `heap at the end ${(result.memory.heapUsed / 1048576).toFixed(0)} MB`,
  );
  console.log(
    `sync-50k: ${result.users} users in ${result.pages} pages (${result.stored.n} stored, ${result.stored.eligible} eligible), ` +
      `latency ${LATENCY_MS} ms/page, wall ${(result.wallMs / 1000).toFixed(2)} s`,
  );
  // The emulator's own time per page (its request log: duration minus the added latency), for reading the ratio.
  const log = await fetch(`${emu.url}/_emulator/tenants/${TENANT}/requests`).then((r) => r.json());
  const pagesLog = (Array.isArray(log) ? log : log.requests).filter((l) => l.path.endsWith("/users/delta"));
  const emulatorMs =
    pagesLog.reduce((sum, l) => sum + Math.max(0, l.durationMs - LATENCY_MS), 0) /
    Math.max(1, pagesLog.length);
  console.log(
    `sync-50k: the emulator spends ${emulatorMs.toFixed(0)} ms per page besides the latency; ` +
      `wall ÷ (pages × (latency + emulator time)) = ${(result.wallMs / (result.pages * (LATENCY_MS + emulatorMs))).toFixed(2)}`,
  );
  report("sync-50k", [
    { measure: "wall ÷ (pages × latency)", target: "≤ 1.3", measured: ratio.toFixed(2), pass: ratio <= 1.3 },
    {
      measure: "peak RSS while syncing",
      target: "< 300 MB",
      measured: `${rssMb.toFixed(0)} MB`,
      pass: rssMb < 300,
    },
  ]);
} finally {
  await emu.close();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
