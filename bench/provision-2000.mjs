#!/usr/bin/env node
// Provisioning 2,000 users (number, voice routing policy, dial plan, voicemail off via the pwsh stand-in,
// read-back) with the portal's own job workers (apps/server/dist, pg-boss on embedded PostgreSQL) while the
// Microsoft 365 emulator throttles the app to R requests/s (token bucket, 429 + Retry-After).
// Prints achieved ÷ allowed request rate (target ≥ 0.8) and checks every user finished, none failed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { report } from "./support/report.mjs";

const USERS = Number(process.env.BENCH_USERS ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const TENANT = "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a66";
const serverDist = (p) => new URL(`../apps/server/dist/${p}`, import.meta.url).href;
const pwshPath = fileURLToPath(
  new URL("../packages/m365-emulator/bin/m365-emulator-pwsh.js", import.meta.url),
);

const { startM365Emulator, DEMO_APP } = await import(
  new URL("../packages/m365-emulator/dist/index.js", import.meta.url).href
);
const { startEmbeddedPostgres } = await import(serverDist("db/embedded-postgres.js"));
const { loadConfig } = await import(serverDist("config/config.js"));
const { boot } = await import(serverDist("runtime/boot.js"));
const { trustExtraCa } = await import(serverDist("modules/microsoft/trust.js"));
const { accountRepository } = await import(serverDist("modules/tenancy/repository.js"));
const { runSync } = await import(serverDist("modules/teams-users/sync.js"));
const { provisionJobRef } = await import(serverDist("modules/teams-users/jobs.js"));
const { freshSteps } = await import(serverDist("modules/teams-users/provisioning.js"));
const { closePowershell } = await import(serverDist("modules/powershell/runtime.js"));
const pino = (await import("pino")).default;

const dir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-provision-"));
const emu = await startM365Emulator({
  dataDir: path.join(dir, "emulator"),
  scenario: {
    name: "bench-provision",
    apps: [
      {
        clientId: DEMO_APP.clientId,
        displayName: DEMO_APP.displayName,
        publisher: DEMO_APP.publisher,
        secrets: [DEMO_APP.clientSecret],
        applicationPermissions: [
          "User.Read.All",
          "TeamsTelephoneNumber.ReadWrite.All",
          "TeamsPolicyUserAssign.ReadWrite.All",
          "TeamsUserConfiguration.Read.All",
        ],
      },
    ],
    tenants: [
      {
        id: TENANT,
        name: "bench",
        domains: ["bench.example"],
        skus: [{ skuPartNumber: "MCOEV", units: USERS + 10 }],
        users: Array.from({ length: USERS }, (_, i) => ({
          userPrincipalName: `u${String(i).padStart(5, "0")}@bench.example`,
          displayName: `User ${i}`,
          usageLocation: "US",
          licenses: ["MCOEV"],
        })),
        consents: [{ clientId: DEMO_APP.clientId, directoryRoles: ["Teams Administrator"] }],
        pstnUsages: ["bench"],
      },
    ],
  },
});
trustExtraCa(emu.caCertPem);
tls.setDefaultCACertificates([...tls.getCACertificates("default"), emu.caCertPem]);

// Count the tenant's API requests by outcome, as the emulator logs them.
const counts = { ok: 0, throttled: 0, other: 0 };
let counting = false;
const logRequest = emu.state.logRequest.bind(emu.state);
emu.state.logRequest = (tenantId, entry) => {
  if (counting && tenantId === TENANT && (entry.surface === "graph" || entry.surface === "teams-admin")) {
    if (entry.status === 429) counts.throttled++;
    else if (entry.status < 400) counts.ok++;
    else counts.other++;
  }
  logRequest(tenantId, entry);
};

const pg = await startEmbeddedPostgres(path.join(dir, "pg"), () => {});
const config = loadConfig({
  NODE_ENV: "test",
  DATA_DIR: path.join(dir, "data"),
  DATABASE_URL: pg.url,
  DATABASE_POOL_SIZE: "40",
  M365_EMULATOR: "off",
  MICROSOFT_LOGIN_URL: emu.url,
  MICROSOFT_GRAPH_URL: emu.graphUrl,
  TEAMS_ADMIN_URL: emu.teamsAdminUrl,
  MICROSOFT_CLIENT_ID: DEMO_APP.clientId,
  MICROSOFT_CLIENT_SECRET: DEMO_APP.clientSecret,
  PWSH_PATH: pwshPath,
  TEAMS_USERS_SYNC_MINUTES: "0",
});
const runtime = await boot(config, pino({ level: "warn" }), { http: false, workers: true });
let exitCode = 1;
try {
  const { db, pool } = runtime.database;
  const accounts = accountRepository(db);
  const operator = await accounts.create({ kind: "operator", name: "Operator", parent: null });
  const enterprise = await accounts.create({ kind: "enterprise", name: "Bench", parent: operator });
  await pool.query(
    `insert into microsoft_connections (enterprise_account_id, tenant_id, tenant_domain, admin_upn, admin_object_id, status)
     values ($1, $2, 'bench.example', 'admin@bench.example', '00000000-0000-0000-0000-000000000000', 'connected')`,
    [enterprise.id, TENANT],
  );
  const region = (
    await pool.query(
      "insert into sbc_regions (name, sbc_fqdns, sip_port) values ('US West', '{sbc.example.net}', 5061) returning id",
    )
  ).rows[0].id;
  await pool.query(
    `insert into teams_profiles (enterprise_account_id, pbx_locations, region_ids, default_region_id, pstn_usage, dial_plan_name, normalization_rules)
     values ($1, '[{"name":"PBX","pbx":"pbx.bench.example"}]', array[$2::uuid], $2, 'bench', 'bench-dp', '[]')`,
    [enterprise.id, region],
  );
  // The Direct Routing objects the setup would have created: voice routing policy and dial plan.
  const { microsoftRuntime } = await import(serverDist("modules/microsoft/runtime.js"));
  const teamsToken = await microsoftRuntime(runtime.deps).tokens.get(TENANT, "teams-admin");
  // Through the cmdlets of the emulator's pwsh stand-in (its `/_emulator/pwsh/invoke/{cmdlet}` endpoint).
  for (const [cmdlet, parameters] of [
    ["New-CsOnlineVoiceRoutingPolicy", { Identity: "bench-US-West", OnlinePstnUsages: ["bench"] }],
    ["New-CsTenantDialPlan", { Identity: "bench-dp", NormalizationRules: [] }],
  ]) {
    const r = await fetch(`${emu.url}/_emulator/pwsh/invoke/${cmdlet}`, {
      method: "POST",
      headers: { authorization: `Bearer ${teamsToken}`, "content-type": "application/json" },
      body: JSON.stringify({ cmdlet, parameters }),
    });
    const answer = await r.json();
    if (!answer.ok) throw new Error(`${cmdlet}: ${r.status} ${JSON.stringify(answer.error)}`);
  }
  await runSync(runtime.deps, enterprise.id);
  const users = (
    await pool.query(
      "select object_id, user_principal_name from teams_users where eligible order by user_principal_name",
    )
  ).rows;
  if (users.length < USERS) throw new Error(`only ${users.length} eligible users synced`);
  const steps = JSON.stringify(
    freshSteps({ callingEnabled: true, deleting: false, assignDialPlan: true, disableVoicemail: true }),
  );
  const ids = (
    await pool.query(
      `insert into provisioned_users (enterprise_account_id, teams_user_object_id, user_principal_name, pbx_location, region_id,
         sip_user, phone_number, status, steps)
       select $1, u.object_id, u.upn, 'PBX', $2, (10000 + u.n)::text, '+1425' || (3000000 + u.n)::text, 'queued', $3::jsonb
       from unnest($4::text[], $5::text[]) with ordinality as u(object_id, upn, n)
       returning id`,
      [enterprise.id, region, steps, users.map((u) => u.object_id), users.map((u) => u.user_principal_name)],
    )
  ).rows.map((r) => r.id);

  await emu.state.setFaults({ throttle: { capacity: RATE, refillPerSecond: RATE, tenantId: TENANT } });
  counting = true;
  const started = performance.now();
  for (const id of ids) {
    await runtime.jobs.enqueue(
      provisionJobRef,
      { provisionedUserId: id },
      { singletonKey: `provision:${id}` },
    );
  }
  let done = 0;
  let failed = 0;
  for (;;) {
    const row = (
      await pool.query(
        "select count(*) filter (where status = 'done')::int as done, count(*) filter (where status = 'failed')::int as failed from provisioned_users",
      )
    ).rows[0];
    done = row.done;
    failed = row.failed;
    if (done + failed >= ids.length) break;
    if (performance.now() - started > 30 * 60_000)
      throw new Error(`timed out: ${done} done, ${failed} failed`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const wallS = (performance.now() - started) / 1000;
  counting = false;
  const achieved = counts.ok / wallS;
  const ratio = achieved / RATE;
  console.log(
    `provision-2000: ${done} done, ${failed} failed of ${ids.length} users in ${wallS.toFixed(1)} s; ` +
      `${counts.ok} API requests served, ${counts.throttled} answered 429 (allowed ${RATE} req/s)`,
  );
  const pass = report("provision-2000", [
    {
      measure: "users provisioned (checked)",
      target: `${ids.length} done, 0 failed`,
      measured: `${done} done, ${failed} failed`,
      pass: failed === 0 && done === ids.length,
    },
    {
      measure: "achieved ÷ allowed request rate",
      target: "≥ 0.8",
      measured: `${achieved.toFixed(1)} ÷ ${RATE} = ${ratio.toFixed(2)}`,
      pass: ratio >= 0.8,
    },
  ]);
  exitCode = pass ? 0 : 1;
} finally {
  await closePowershell(runtime.deps);
  await runtime.stop();
  await emu.close();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
