#!/usr/bin/env node
// Lists a generated 50,000-user tenant through Graph `$top=999` paging over HTTPS (the emulator runs in-process).
// Prints pages/s, wall time and peak RSS. Needs `npx tsc -p tsconfig.build.json` in packages/m365-emulator.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { bigTenantScenario } from "./support/big-tenant.mjs";
import { report } from "./support/report.mjs";

const USERS = Number(process.env.BENCH_USERS ?? 50_000);
const LIMIT_MS = 10_000;
const { DEMO_APP, startM365Emulator } = await import(
  new URL("../packages/m365-emulator/dist/index.js", import.meta.url).href
);

const dataDir = mkdtempSync(path.join(tmpdir(), "m365-emulator-bench-"));
const tenantId = "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a99";
const setupStart = performance.now();
const emu = await startM365Emulator({
  dataDir,
  scenario: bigTenantScenario({ name: "bench", tenantId, users: USERS, app: DEMO_APP }),
});
const setupMs = performance.now() - setupStart;
tls.setDefaultCACertificates([...tls.getCACertificates("default"), emu.caCertPem]);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const tokenRes = await fetch(`${emu.url}/${tenantId}/oauth2/v2.0/token`, {
  method: "POST",
  body: new URLSearchParams({
    grant_type: "client_credentials",
    client_id: DEMO_APP.clientId,
    client_secret: DEMO_APP.clientSecret,
    scope: "https://graph.microsoft.com/.default",
  }),
});
const { access_token: token } = await tokenRes.json();

const start = performance.now();
let next = `${emu.graphUrl}/v1.0/users?$top=999&$select=id,userPrincipalName,accountEnabled,assignedPlans,usageLocation`;
let pages = 0;
let users = 0;
while (next) {
  const res = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`page ${pages + 1}: HTTP ${res.status} ${await res.text()}`);
  const body = await res.json();
  pages++;
  users += body.value.length;
  next = body["@odata.nextLink"];
}
const wallMs = performance.now() - start;

// Second pass: only users with an enabled Teams Phone plan, as a provisioning sync would ask for them.
const filter = encodeURIComponent(
  "assignedPlans/any(x:x/servicePlanId eq 4828c8ec-dc2e-4779-b502-87ac9ce28ab7 and x/capabilityStatus eq 'Enabled')",
);
const filteredStart = performance.now();
let filteredPages = 0;
let eligible = 0;
next = `${emu.graphUrl}/v1.0/users?$top=999&$count=true&$select=id,userPrincipalName&$filter=${filter}`;
while (next) {
  const res = await fetch(next, {
    headers: { authorization: `Bearer ${token}`, ConsistencyLevel: "eventual" },
  });
  if (res.status !== 200) throw new Error(`filtered page: HTTP ${res.status} ${await res.text()}`);
  const body = await res.json();
  filteredPages++;
  eligible += body.value.length;
  next = body["@odata.nextLink"];
}
const filteredMs = performance.now() - filteredStart;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
await emu.close();
rmSync(dataDir, { recursive: true, force: true });

console.log(`tenant setup (${USERS} generated users): ${(setupMs / 1000).toFixed(2)} s`);
console.log(`listed ${users} users in ${pages} pages of $top=999 over HTTPS`);
console.log(
  `wall time: ${(wallMs / 1000).toFixed(2)} s   pages/s: ${(pages / (wallMs / 1000)).toFixed(1)}   users/s: ${Math.round(users / (wallMs / 1000))}`,
);
console.log(
  `Teams Phone filter ($count, ConsistencyLevel: eventual): ${eligible} users in ${filteredPages} pages, ${(filteredMs / 1000).toFixed(2)} s`,
);
console.log(`peak RSS (emulator + client, one process): ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
report("emulator-users-paging", [
  {
    measure: "users listed (checked)",
    target: String(USERS),
    measured: String(users),
    pass: users === USERS,
  },
  {
    measure: `list ${USERS} users, $top=999`,
    target: `≤ ${LIMIT_MS / 1000} s`,
    measured: `${(wallMs / 1000).toFixed(2)} s`,
    pass: wallMs <= LIMIT_MS,
  },
]);
