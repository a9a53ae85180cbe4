#!/usr/bin/env node
// Users page over HTTP at 50,000 and at 500,000 synced Teams users (a fifth of them provisioned), each size an
// enterprise of its own in one database (as tenants share the tables): the built portal (`sip2teams serve`,
// npm run build) on embedded PostgreSQL, real requests with a signed-in session, as the browser makes them. Each
// query shape (first page, a deep page by cursor, UPN-prefix, name search by a term many users match and by a
// rare one, number search, Add User's no-match search) is checked (row counts) and reported on its own; target p95 < 50 ms each.
// BENCH_USERS sets the sizes, comma-separated (e.g. 2000 for a quick check).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { report, reportFailure } from "./support/report.mjs";
import { serveOn, serverModules } from "./support/server-modules.mjs";

const {
  startEmbeddedPostgres,
  connectDatabase,
  runMigrations,
  accountRepository,
  SESSION_COOKIE,
  sessionStore,
  settleSearchIndex,
} = await serverModules();

const SIZES = (process.env.BENCH_USERS ?? "50000,500000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const TARGET_MS = 50;
const PAGE_SIZE = 50;
/** One user in this many has a surname ("Lovelace"): the rare-term name search (2 at 50,000, 20 at 500,000). */
const RARE_EVERY = 25_000;

/** Generated in SQL: users, eligibility, and every fifth user provisioned with a number (area code `area`) and a SIP user. */
async function seedEnterprise(pool, db, enterpriseId, region, users, area) {
  await pool.query(
    `insert into teams_users (enterprise_account_id, object_id, user_principal_name, display_name, eligible, has_teams_phone, ineligible_reason, account_enabled)
     select $1, gen_random_uuid()::text, 'user' || lpad(i::text, 6, '0') || '@big.example',
            'User ' || i || case when i % ${RARE_EVERY} = 0 then ' Lovelace' else '' end,
            i % 7 <> 0, i % 7 <> 0, case when i % 7 = 0 then 'No Teams Phone licence' end, true
     from generate_series(1, $2) as i`,
    [enterpriseId, users],
  );
  await pool.query(
    `insert into provisioned_users (enterprise_account_id, teams_user_object_id, user_principal_name, display_name, pbx_location,
       region_id, sip_user, phone_number, status, calling_enabled)
     select t.enterprise_account_id, t.object_id, t.user_principal_name, t.display_name, 'PBX', $2,
            (1000 + n)::text, '+1' || $4 || lpad((2000000 + n)::text, 7, '0'),
            (case when n % 50 = 0 then 'failed' else 'done' end)::provisioning_status, n % 9 <> 0
     from (select *, row_number() over (order by user_principal_name) as n from teams_users
           where enterprise_account_id = $1 and eligible limit $3) t`,
    [enterpriseId, region, Math.floor(users / 5), area],
  );
  // As a sync round leaves the tables: the name index's pending entries merged (sync.ts), then statistics.
  await settleSearchIndex(db);
  await pool.query("analyze");
}

/** Each query shape against one enterprise of `users` users: checked, then timed RUNS times. */
async function measureShapes({ base, headers, enterpriseId, users, area }) {
  const size = users.toLocaleString("en");
  const get = async (url) => {
    const response = await fetch(`${base}/api/accounts/${enterpriseId}${url}`, { headers });
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const list = (query) =>
    get(`/teams-users?${new URLSearchParams({ pageSize: String(PAGE_SIZE), ...query })}`);
  const expectRight = (what, body, ok) => {
    if (!ok)
      throw new Error(
        `${what}: wrong result (${(body.items ?? body).length} rows: ${JSON.stringify((body.items ?? body).slice(0, 3).map((r) => [r.userPrincipalName, r.displayName]))})`,
      );
  };

  // A cursor deep in the list: follow nextCursor (as the web does) to about page 400 (or the list's middle).
  const deepPage = Math.min(400, Math.floor(users / PAGE_SIZE / 2));
  let deepCursor;
  for (let page = 1, body = await list({}); page < deepPage; page++) {
    deepCursor = body.nextCursor;
    body = await list({ cursor: deepCursor });
  }

  const full = (body) => body.items.length === PAGE_SIZE;
  const upnPrefix = (i) => `user0${String((i % 9) + 1).padStart(4, "0")}`;
  // Two digits: a name search only (3+ digits would also match phone numbers, "contains").
  const nameTerm = (i) => `user ${(i % 9) + 1}2`;
  const shapes = {
    "first page": [() => list({}), full],
    [`page ${deepPage} by cursor`]: [() => list({ cursor: deepCursor }), full],
    // The checks look for the rows the term names.
    "UPN-prefix search": [
      (i) => list({ search: upnPrefix(i) }),
      (body, i) => body.items.filter((r) => r.userPrincipalName.startsWith(upnPrefix(i))).length === 10,
    ],
    "name search": [
      (i) => list({ search: nameTerm(i) }),
      (body, i) => body.items.some((r) => r.displayName.toLowerCase() === nameTerm(i)),
    ],
    "name search, rare term": [
      () => list({ search: "lovelace" }),
      (body) =>
        body.items.length === Math.floor(users / RARE_EVERY) &&
        body.items.every((r) => r.displayName.endsWith(" Lovelace")),
    ],
    "number search": [
      (i) => list({ search: `+1${area}200${String((i % 9) + 1).padStart(4, "0")}` }),
      (body) => body.items.length === 1 && body.items[0].provisioned !== null,
    ],
    "Add User no-match search": [
      (i) => get(`/teams-users/eligible?q=${encodeURIComponent(`nobody-${i}`)}`),
      (body) => Array.isArray(body) && body.length === 0,
    ],
  };
  const pct = (xs, p) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
  const rows = [];
  for (const [name, [run, check]] of Object.entries(shapes)) {
    const measure = `Users page p95 at ${size} users: ${name}`;
    try {
      const first = await run(0); // warm-up, checked
      expectRight(name, first, check(first, 0));
      const times = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const body = await run(i);
        times.push(performance.now() - t0);
        expectRight(name, body, check(body, i));
      }
      const p95 = pct(times, 95);
      rows.push({
        measure,
        target: `< ${TARGET_MS} ms`,
        measured: `${p95.toFixed(1)} ms (p50 ${pct(times, 50).toFixed(1)})`,
        pass: p95 < TARGET_MS,
      });
    } catch (error) {
      reportFailure("users-page", measure, `< ${TARGET_MS} ms`, error);
    }
  }
  report("users-page", rows);
}

const dir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-users-page-"));
const pgHandle = await startEmbeddedPostgres(path.join(dir, "pg"), () => {});
const database = connectDatabase(pgHandle.url, 4);
let portal;
try {
  await runMigrations(database);
  const { db, pool } = database;
  const accounts = accountRepository(db);
  const operator = await accounts.create({ kind: "operator", name: "Operator", parent: null });
  const partner = await accounts.create({ kind: "partner", name: "Partner", parent: operator });
  const region = (
    await pool.query(
      "insert into sbc_regions (name, sbc_fqdns, sip_port) values ('US West', '{sbc.example.net}', 5061) returning id",
    )
  ).rows[0].id;
  const [user] = (
    await pool.query(
      "insert into portal_users (account_id, email, name, role, status) values ($1, 'bench@example.test', 'Bench', 'Admin', 'active') returning id",
      [partner.id],
    )
  ).rows;
  const session = await sessionStore(db, { idleMinutes: 600, absoluteHours: 12 }).create(user.id, {});
  const headers = { cookie: `${SESSION_COOKIE}=${session.cookieValue}` };
  portal = await serveOn(pgHandle.url, path.join(dir, "portal"));

  for (const [index, users] of SIZES.entries()) {
    const area = String(206 + index);
    const enterprise = await accounts.create({
      kind: "enterprise",
      name: `Enterprise of ${users} users`,
      parent: partner,
    });
    const seedStart = performance.now();
    await seedEnterprise(pool, db, enterprise.id, region, users, area);
    console.log(
      `users-page: ${users} users, ${Math.floor(users / 5)} provisioned (seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s), ${RUNS} requests per shape over HTTP`,
    );
    await measureShapes({ base: portal.base, headers, enterpriseId: enterprise.id, users, area });
  }
} finally {
  await portal?.stop();
  await database.close();
  await pgHandle.stop();
  rmSync(dir, { recursive: true, force: true });
}
