#!/usr/bin/env node
// Bulk CSV import of 10,000 users through the path a user's request takes: HTTP upload (streamed preview),
// HTTP confirm, then the apply job in the portal's own pg-boss worker, progress read back over HTTP.
// Prints the preview time and the apply rate against their targets, and checks every row applied.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { report } from "./support/report.mjs";

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const PREVIEW_TARGET_S = 60;
const APPLY_TARGET_ROWS_PER_S = 50;
const serverDist = (p) => new URL(`../apps/server/dist/${p}`, import.meta.url).href;

const { startEmbeddedPostgres } = await import(serverDist("db/embedded-postgres.js"));
const { loadConfig } = await import(serverDist("config/config.js"));
const { boot } = await import(serverDist("runtime/boot.js"));
const { accountRepository } = await import(serverDist("modules/tenancy/repository.js"));
const { sessionStore, SESSION_COOKIE } = await import(serverDist("modules/identity/sessions.js"));
const pino = (await import("pino")).default;

const dir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-bulk-"));
const pg = await startEmbeddedPostgres(path.join(dir, "pg"), () => {});
const config = loadConfig({
  NODE_ENV: "test",
  DATA_DIR: path.join(dir, "data"),
  DATABASE_URL: pg.url,
  M365_EMULATOR: "off",
  PORT: "0",
  TEAMS_USERS_SYNC_MINUTES: "0",
});
const runtime = await boot(config, pino({ level: process.env.BENCH_LOG ?? "warn" }), {
  http: true,
  workers: true,
});
const base = await runtime.app.listen({ port: 0, host: "127.0.0.1" });
let exitCode = 1;
try {
  const { db, pool } = runtime.database;
  const accounts = accountRepository(db);
  const operator = await accounts.create({ kind: "operator", name: "Operator", parent: null });
  const enterprise = await accounts.create({ kind: "enterprise", name: "Bench", parent: operator });
  const region = (
    await pool.query(
      "insert into sbc_regions (name, sbc_fqdns, sip_port) values ('US West', '{sbc.example.net}', 5061) returning id",
    )
  ).rows[0].id;
  await pool.query(
    `insert into enterprises (account_id, admin_name, admin_email, region_ids, services, user_limit)
     values ($1, 'Casey', 'casey@bench.example', array[$2::uuid], '{teams-direct-routing}', 100000)`,
    [enterprise.id, region],
  );
  await pool.query(
    `insert into teams_profiles (enterprise_account_id, pbx_locations, region_ids, default_region_id, pstn_usage, dial_plan_name, normalization_rules)
     values ($1, '[{"name":"PBX","pbx":"pbx.bench.example"}]', array[$2::uuid], $2, 'bench', 'bench-dp', '[]')`,
    [enterprise.id, region],
  );
  // The enterprise's synced Teams users (what a first sync leaves), all eligible.
  await pool.query(
    `insert into teams_users (enterprise_account_id, object_id, user_principal_name, display_name, eligible, has_teams_phone)
     select $1, gen_random_uuid()::text, 'user' || lpad(n::text, 5, '0') || '@bench.example', 'User ' || n, true, true
     from generate_series(0, $2 - 1) as n`,
    [enterprise.id, ROWS],
  );
  const admin = (
    await pool.query(
      "insert into portal_users (account_id, email, name, role, status) values ($1, 'admin@bench.example', 'Admin', 'Admin', 'active') returning id",
      [enterprise.id],
    )
  ).rows[0].id;
  const session = await sessionStore(db, { idleMinutes: 600, absoluteHours: 12 }).create(admin, {});
  const headers = { cookie: `${SESSION_COOKIE}=${session.cookieValue}`, "x-csrf-token": session.csrfToken };
  const imports = `${base}/api/accounts/${enterprise.id}/teams-users/imports`;

  const lines = [
    "teams_upn,sip_user,phone_number,voice_route,pbx_location,disable_voicemail,assign_dial_plan,devices",
  ];
  for (let i = 0; i < ROWS; i++) {
    const n = String(i).padStart(5, "0");
    lines.push(`user${n}@bench.example,${10000 + i},+1425${3000000 + i},,,,,d${i}:Pw${n}x`);
  }
  const uploadStarted = performance.now();
  const preview = await fetch(`${imports}?fileName=bench.csv`, {
    method: "POST",
    headers: { ...headers, "content-type": "text/csv" },
    body: lines.join("\n"),
  });
  const previewBody = await preview.json();
  const previewS = (performance.now() - uploadStarted) / 1000;
  if (preview.status !== 201 || previewBody.validRows !== ROWS)
    throw new Error(`preview: HTTP ${preview.status} ${JSON.stringify(previewBody).slice(0, 500)}`);

  const applyStarted = performance.now();
  const apply = await fetch(`${imports}/${previewBody.id}/apply`, { method: "POST", headers });
  if (apply.status !== 202) throw new Error(`apply: HTTP ${apply.status} ${await apply.text()}`);
  let state;
  for (;;) {
    state = (await (await fetch(`${imports}/${previewBody.id}`, { headers })).json()).import;
    if (state.status === "completed" || state.status === "failed") break;
    if (performance.now() - applyStarted > 30 * 60_000)
      throw new Error(`timed out: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const applyS = (performance.now() - applyStarted) / 1000;
  const provisioned = Number(
    (
      await pool.query("select count(*) from provisioned_users where enterprise_account_id = $1", [
        enterprise.id,
      ])
    ).rows[0].count,
  );
  const correct =
    state.status === "completed" &&
    state.appliedRows === ROWS &&
    state.failedRows === 0 &&
    provisioned === ROWS;
  const rate = ROWS / applyS;
  const rows = [
    [
      "bulk-import preview (upload → 201), s",
      `≤ ${PREVIEW_TARGET_S}`,
      previewS.toFixed(1),
      previewS <= PREVIEW_TARGET_S,
    ],
    [
      "bulk-import apply, rows/s",
      `≥ ${APPLY_TARGET_ROWS_PER_S}`,
      rate.toFixed(0),
      rate >= APPLY_TARGET_ROWS_PER_S,
    ],
    [
      "bulk-import rows applied (checked)",
      String(ROWS),
      `${state.appliedRows} applied, ${state.failedRows} failed, ${provisioned} users`,
      correct,
    ],
  ];
  const pass = report(
    "bulk-import-10k",
    rows.map(([measure, target, measured, pass]) => ({ measure, target, measured, pass })),
  );
  exitCode = pass ? 0 : 1;
} finally {
  await runtime.stop();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
