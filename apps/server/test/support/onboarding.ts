import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_APP, DEMO_PASSWORDS, type StartedEmulator, startM365Emulator } from "@sip2teams/m365-emulator";
import { afterAll, beforeAll } from "vitest";
import { trustExtraCa } from "../../src/modules/microsoft/trust.js";
import type { Account } from "../../src/modules/tenancy/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./factories.js";
import { startTestApp, type TestApp } from "./test-app.js";

/**
 * The Microsoft 365 emulator over HTTPS (demo scenario), trusted by this process. Microsoft's delays are off
 * (time factor 0) unless a test asks for them, so exact call-sequence tests stay exact; the waiting tests
 * turn them on (scaled) through /_emulator/settings.
 */
export async function startEmulator(options: { timeFactor?: number } = {}): Promise<StartedEmulator> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-test-m365-"));
  const emulator = await startM365Emulator({
    dataDir,
    scenario: "demo",
    timeFactor: options.timeFactor ?? 0,
  });
  trustExtraCa(emulator.caCertPem);
  return emulator;
}

/** Environment for startTestApp that points the portal at a running emulator. */
export function emulatorEnv(emulator: StartedEmulator): Record<string, string> {
  return {
    M365_EMULATOR: "off",
    MICROSOFT_LOGIN_URL: emulator.url,
    MICROSOFT_GRAPH_URL: emulator.graphUrl,
    TEAMS_ADMIN_URL: emulator.teamsAdminUrl,
    MICROSOFT_CLIENT_ID: DEMO_APP.clientId,
    MICROSOFT_CLIENT_SECRET: DEMO_APP.clientSecret,
    // Teams voice configuration runs through the emulator's pwsh stand-in.
    PWSH_PATH: fileURLToPath(
      new URL("../../../../packages/m365-emulator/bin/m365-emulator-pwsh.js", import.meta.url),
    ),
    // The Teams users sync runs only on demand, so the tenant's request log holds just the setup's calls.
    TEAMS_USERS_SYNC_MINUTES: "0",
  };
}

export interface RequestLogLine {
  method: string;
  path: string;
  status: number;
  surface: string;
}

/** Graph and Teams admin calls made in a tenant (token requests excluded). */
export async function apiRequests(emulator: StartedEmulator, tenantId: string): Promise<RequestLogLine[]> {
  const response = await fetch(`${emulator.url}/_emulator/tenants/${tenantId}/requests`);
  const body = (await response.json()) as RequestLogLine[] | { requests: RequestLogLine[] };
  const lines = Array.isArray(body) ? body : body.requests;
  return lines.filter((l) => l.surface === "graph" || l.surface === "teams-admin");
}

export async function setFaults(emulator: StartedEmulator, faults: unknown) {
  const response = await fetch(`${emulator.url}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
  });
  if (!response.ok) throw new Error(`faults refused: ${response.status} ${await response.text()}`);
}

export async function clearFaults(emulator: StartedEmulator) {
  await fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" });
}

/** The account tree, an operator Admin who configured the operator (configureOperator), and a partner Admin. */
export async function configuredOperatorAndPartner(t: TestApp) {
  const tree = await createAccountTree(t.deps.db);
  const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
  const partnerUser = await createSignedInUser(t.deps.db, tree.partner, "Admin");
  const regions = await configureOperator(t, tree.operator, operatorAdmin);
  return { tree, operatorAdmin, partnerUser, regions };
}

/** Operator settings with an SBC base domain and two regions; returns the region ids. */
export async function configureOperator(
  t: TestApp,
  operator: Account,
  admin: SignedInUser,
  dnsAdapter: "emulator" | "manual" = "emulator",
) {
  const put = await t.app.inject({
    method: "PUT",
    url: `/api/accounts/${operator.id}/operator-settings`,
    headers: admin.headers,
    payload: {
      sbcBaseDomain: "customers.sbc.example.net",
      portalDisplayName: "Orchid Collab Portal",
      publisher: "Orchid Collab",
      appClientId: null,
      loginUrl: null,
      graphUrl: null,
      teamsAdminUrl: null,
      teamsPhoneSkuId: null,
      dnsAdapter,
    },
  });
  if (put.statusCode !== 200) throw new Error(put.body);
  const regions: string[] = [];
  for (const [name, fqdn] of [
    ["CA Central", "sbc-ca.sbc.example.net"],
    ["US West", "sbc-usw.sbc.example.net"],
  ] as const) {
    const created = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${operator.id}/sbc-regions`,
      headers: admin.headers,
      payload: { name, sbcFqdns: [fqdn], sipPort: 5061 },
    });
    if (created.statusCode !== 201) throw new Error(created.body);
    regions.push(created.json().id);
  }
  return regions;
}

/** Add Enterprise + trunk profile + Teams profile through the API, as the partner. */
export async function onboardEnterprise(
  t: TestApp,
  partner: Account,
  user: SignedInUser,
  regions: string[],
  label: string,
) {
  const created = await t.app.inject({
    method: "POST",
    url: `/api/accounts/${partner.id}/enterprises`,
    headers: user.headers,
    payload: {
      companyName: `Company ${label}`,
      adminName: "Casey Admin",
      adminEmail: `admin-${label}@customer.example`,
      regionIds: regions,
      services: ["teams-direct-routing"],
      userLimit: 50,
      billingReference: `B-${label}`,
    },
  });
  if (created.statusCode !== 201) throw new Error(created.body);
  const enterpriseId: string = created.json().id;
  const trunk = await t.app.inject({
    method: "PUT",
    url: `/api/accounts/${enterpriseId}/trunk-profile`,
    headers: user.headers,
    payload: {
      label,
      pbxHost: "pbx.customer.example",
      pbxPort: 5060,
      transport: "UDP",
      sipDomain: "customer.example",
      outboundProxy: null,
      mode: "registration",
      allowedIps: [],
      maxConcurrentCalls: 20,
      codecs: ["PCMA", "PCMU"],
    },
  });
  if (trunk.statusCode !== 200) throw new Error(trunk.body);
  const teams = await t.app.inject({
    method: "PUT",
    url: `/api/accounts/${enterpriseId}/teams-profile`,
    headers: user.headers,
    payload: {
      pbxLocations: [{ name: "Head office", pbx: "pbx.customer.example" }],
      regionIds: regions,
      defaultRegionId: regions[0],
      pstnUsage: `s2t-${label}`,
      dialPlanName: `s2t-${label}`,
      normalizationRules: [
        { name: "Ext4", pattern: "^(\\d{4})$", translation: "+14255550$1", isInternalExtension: true },
      ],
    },
  });
  if (teams.statusCode !== 200) throw new Error(teams.body);
  return enterpriseId;
}

const field = (html: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? "";
const formAction = (html: string) => /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? "";

/**
 * Plays the customer's browser: the Microsoft sign-in (email → Next, password → Sign in), the permissions
 * screen (Accept or Cancel), and every redirect through the portal's callback. Returns the portal page reached;
 * with `stopAtPortal`, the first portal URL Microsoft redirects to (a callback the caller requests itself, e.g.
 * with the cookie binding the browser).
 */
export async function playConsent(
  t: TestApp,
  emulator: StartedEmulator,
  authorizeUrl: string,
  who: { login: string; password: string; decision?: "accept" | "cancel" },
  options: { stopAtPortal?: boolean } = {},
): Promise<string> {
  let cookie = "";
  const browserFetch = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as object), cookie },
    });
    const set = response.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0]!;
    return response;
  };
  const form = (values: Record<string, string>) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(values).toString(),
  });
  let response = await browserFetch(authorizeUrl);
  for (let hops = 0; hops < 12; hops++) {
    if (response.status === 302 || response.status === 303) {
      const location = response.headers.get("location")!;
      if (location.startsWith(emulator.url)) {
        response = await browserFetch(location);
        continue;
      }
      const portal = new URL(location, "http://localhost:3000");
      if (options.stopAtPortal || !portal.pathname.startsWith("/api/"))
        return `${portal.pathname}${portal.search}`;
      const reply = await t.app.inject({ url: `${portal.pathname}${portal.search}` });
      if (reply.statusCode !== 302) throw new Error(`callback answered ${reply.statusCode}: ${reply.body}`);
      response = new Response(null, { status: 302, headers: { location: String(reply.headers.location) } });
      continue;
    }
    const html = await response.text();
    const action = `${emulator.url}${formAction(html)}`;
    if (html.includes('name="step" value="email"')) {
      response = await browserFetch(
        action,
        form({ ctx: field(html, "ctx"), step: "email", login: who.login }),
      );
    } else if (html.includes('name="step" value="password"')) {
      response = await browserFetch(
        action,
        form({ ctx: field(html, "ctx"), step: "password", login: who.login, passwd: who.password }),
      );
    } else if (html.includes("Permissions requested")) {
      response = await browserFetch(
        action,
        form({ ctx: field(html, "ctx"), action: who.decision ?? "accept" }),
      );
    } else if (html.includes('id="return"')) {
      const href = /id="return" href="([^"]+)"/.exec(html)![1]!.replaceAll("&amp;", "&");
      response = await browserFetch(`${emulator.url}${href}`);
    } else {
      throw new Error(`unexpected Microsoft page: ${html.slice(0, 400)}`);
    }
  }
  throw new Error("too many redirects");
}

/** A demo tenant's Global Admin (admin@<domain>) and ordinary licensed user (user1@<domain>) at Microsoft's sign-in. */
export const demoGlobalAdmin = (tenant: { domain: string }) => ({
  login: `admin@${tenant.domain}`,
  password: DEMO_PASSWORDS.admin,
});
export const demoUser1 = (tenant: { domain: string }) => ({
  login: `user1@${tenant.domain}`,
  password: DEMO_PASSWORDS.user,
});

/**
 * The partner's Connect to Microsoft Teams for an enterprise, then the tenant's Global Admin (admin@<domain>)
 * accepting at Microsoft; returns the portal page reached.
 */
export async function connectAsGlobalAdmin(
  t: TestApp,
  emulator: StartedEmulator,
  enterpriseId: string,
  user: SignedInUser,
  tenant: { domain: string },
): Promise<string> {
  const connect = await t.app.inject({
    method: "POST",
    url: `/api/accounts/${enterpriseId}/microsoft/connect`,
    headers: user.headers,
  });
  return playConsent(t, emulator, connect.json().authorizeUrl, demoGlobalAdmin(tenant));
}

/**
 * For a describe block: the Microsoft 365 emulator and the app pointed at it, started before its tests and
 * stopped after them. Read `emulator` and `t` inside tests (they are set once beforeAll has run).
 */
export function useEmulatorAndApp(): { emulator: StartedEmulator; t: TestApp } {
  const started = {} as { emulator: StartedEmulator; t: TestApp };
  beforeAll(async () => {
    started.emulator = await startEmulator();
    started.t = await startTestApp(emulatorEnv(started.emulator));
  });
  afterAll(async () => {
    await started.t?.stop();
    await started.emulator?.close();
  });
  return started;
}
