#!/usr/bin/env node
// Users page queries at 50,000 synced Teams users (10,000 of them provisioned), on embedded PostgreSQL,
// through the built server's own listUsers/searchEligible. Prints p50/p95 per query shape and overall;
// target p95 < 50 ms. Uses apps/server/dist (npm run build).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { report } from "./support/report.mjs";

const dist = (p) => new URL(`../apps/server/dist/${p}`, import.meta.url).href;
const { startEmbeddedPostgres } = await import(dist("db/embedded-postgres.js"));
const { connectDatabase } = await import(dist("db/client.js"));
const { runMigrations } = await import(dist("db/migrate.js"));
const { accountRepository } = await import(dist("modules/tenancy/repository.js"));
const { listUsers, searchEligible } = await import(dist("modules/teams-users/service.js"));

const USERS = Number(process.env.BENCH_USERS ?? 50_000);
const PROVISIONED = Math.floor(USERS / 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const TARGET_MS = 50;

const dir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-users-page-"));
const pgHandle = await startEmbeddedPostgres(path.join(dir, "pg"), () => {});
const database = connectDatabase(pgHandle.url, 8);
try {
  await runMigrations(database);
  const { db, pool } = database;
  const accounts = accountRepository(db);
  const operator = await accounts.create({ kind: "operator", name: "Operator", parent: null });
  const partner = await accounts.create({ kind: "partner", name: "Partner", parent: operator });
  const enterprise = await accounts.create({ kind: "enterprise", name: "Big Enterprise", parent: partner });
  const region = (
    await pool.query(
      "insert into sbc_regions (name, sbc_fqdns, sip_port) values ('US West', '{sbc.example.net}', 5061) returning id",
    )
  ).rows[0].id;

  const seedStart = performance.now();
  // Generated in SQL: users, eligibility, and every fifth user provisioned with a number and a SIP user.
  await pool.query(
    `insert into teams_users (enterprise_account_id, object_id, user_principal_name, display_name, eligible, has_teams_phone, ineligible_reason, account_enabled)
     select $1, gen_random_uuid()::text, 'user' || lpad(i::text, 6, '0') || '@big.example', 'User ' || i,
            i % 7 <> 0, i % 7 <> 0, case when i % 7 = 0 then 'No Teams Phone licence' end, true
     from generate_series(1, $2) as i`,
    [enterprise.id, USERS],
  );
  await pool.query(
    `insert into provisioned_users (enterprise_account_id, teams_user_object_id, user_principal_name, display_name, pbx_location,
       region_id, sip_user, phone_number, status, calling_enabled)
     select t.enterprise_account_id, t.object_id, t.user_principal_name, t.display_name, 'PBX', $2,
            (1000 + n)::text, '+1206' || lpad((2000000 + n)::text, 7, '0'),
            (case when n % 50 = 0 then 'failed' else 'done' end)::provisioning_status, n % 9 <> 0
     from (select *, row_number() over (order by user_principal_name) as n from teams_users
           where enterprise_account_id = $1 and eligible limit $3) t`,
    [enterprise.id, region, PROVISIONED],
  );
  await pool.query("analyze");
  const seedMs = performance.now() - seedStart;

  const shapes = {
    "first page": () => listUsers(db, enterprise, { filter: "all", page: 1, pageSize: 50 }),
    "page 400 (deep)": () => listUsers(db, enterprise, { filter: "all", page: 400, pageSize: 50 }),
    "search upn prefix": (i) =>
      listUsers(db, enterprise, { filter: "all", page: 1, pageSize: 50, search: `user0${(i % 5) + 1}` }),
    "search display name": (i) =>
      listUsers(db, enterprise, { filter: "all", page: 1, pageSize: 50, search: `User 4${i % 10}` }),
    "search number": (i) =>
      listUsers(db, enterprise, { filter: "all", page: 1, pageSize: 50, search: `+120620000${i % 10}` }),
    "filter calling-enabled": () =>
      listUsers(db, enterprise, { filter: "calling-enabled", page: 3, pageSize: 50 }),
    "filter ineligible": () => listUsers(db, enterprise, { filter: "ineligible", page: 1, pageSize: 50 }),
    "filter failed": () => listUsers(db, enterprise, { filter: "failed", page: 1, pageSize: 50 }),
    "Teams User search-as-you-type": (i) => searchEligible(db, enterprise, `user0${(i % 4) + 2}`),
  };
  const pct = (xs, p) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
  const all = [];
  console.log(
    `users-page: ${USERS} users, ${PROVISIONED} provisioned (seeded in ${(seedMs / 1000).toFixed(1)} s), ${RUNS} runs per query`,
  );
  for (const [name, run] of Object.entries(shapes)) {
    await run(0); // warm-up
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await run(i);
      times.push(performance.now() - t0);
    }
    all.push(...times);
    console.log(
      `  ${name.padEnd(32)} p50 ${pct(times, 50).toFixed(1).padStart(6)} ms   p95 ${pct(times, 95).toFixed(1).padStart(6)} ms`,
    );
  }
  const p95 = pct(all, 95);
  report("users-page", [
    {
      measure: "Users page p95",
      target: `< ${TARGET_MS} ms`,
      measured: `${p95.toFixed(1)} ms`,
      pass: p95 < TARGET_MS,
    },
  ]);
} finally {
  await database.close();
  await pgHandle.stop();
  rmSync(dir, { recursive: true, force: true });
}
