import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDirectRoutingSetup } from "../src/modules/direct-routing-setup/service.js";
import type { createAccountTree, SignedInUser } from "./support/factories.js";
import {
  configuredOperatorAndPartner,
  connectAsGlobalAdmin,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  setFaults,
  startEmulator,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor as waitUntil } from "./support/wait-for.js";

const CONTOSO = DEMO_TENANTS.contoso;

/** The calls of the carrier-model checklist in a fresh tenant, in order, each once. */
function expectedSetupCalls(fqdn: string, usage: string) {
  const upn = encodeURIComponent(`teams-activation@${fqdn}`);
  return [
    // The app's service principal comes from its token's oid claim: no GET /servicePrincipals
    // (Application.Read.All, which the app does not request).
    "GET /graph/v1.0/roleManagement/directory/roleAssignments",
    "POST /graph/v1.0/roleManagement/directory/roleAssignments",
    `GET /graph/v1.0/domains/${fqdn}`,
    "POST /graph/v1.0/domains",
    `GET /graph/v1.0/domains/${fqdn}/verificationDnsRecords`,
    `POST /graph/v1.0/domains/${fqdn}/verify`,
    `GET /graph/v1.0/users/${decodeURIComponent(upn)}`,
    "GET /graph/v1.0/organization",
    "POST /graph/v1.0/users",
    "GET /graph/v1.0/subscribedSkus",
    "POST /graph/v1.0/users/{id}/assignLicense",
    // Documented MicrosoftTeams cmdlets through the PowerShell runner (the emulator's pwsh stand-in).
    "PS Connect-MicrosoftTeams",
    "PS Get-CsOnlinePstnUsage",
    "PS Set-CsOnlinePstnUsage Global",
    "PS Get-CsOnlineVoiceRoute",
    `PS New-CsOnlineVoiceRoute ${usage}-CA-Central`,
    `PS New-CsOnlineVoiceRoute ${usage}-US-West`,
    "PS Get-CsOnlineVoiceRoutingPolicy",
    `PS New-CsOnlineVoiceRoutingPolicy ${usage}-CA-Central`,
    `PS New-CsOnlineVoiceRoutingPolicy ${usage}-US-West`,
    "PS Get-CsTenantDialPlan",
    `PS New-CsTenantDialPlan ${usage}`,
  ];
}

interface LoggedCall {
  method: string;
  path: string;
  status: number;
  surface: string;
  body: unknown;
}

/** Graph calls and PowerShell cmdlets made in a tenant (token requests excluded). */
async function microsoftCalls(emulator: StartedEmulator, tenantId: string): Promise<LoggedCall[]> {
  const response = await fetch(`${emulator.url}/_emulator/tenants/${tenantId}/requests`);
  const body = (await response.json()) as LoggedCall[] | { requests: LoggedCall[] };
  const lines = Array.isArray(body) ? body : body.requests;
  return lines.filter((l) => l.surface === "graph" || l.surface === "teams-admin" || l.surface === "pwsh");
}

/** `PS <cmdlet> [<Identity>]` for a cmdlet, else `<method> <path>`. */
function describeCall(l: LoggedCall): string {
  if (l.surface === "pwsh") {
    if (l.path.endsWith("/connect")) return "PS Connect-MicrosoftTeams";
    const { cmdlet, parameters } = l.body as { cmdlet: string; parameters?: { Identity?: string } };
    return ["PS", cmdlet, parameters?.Identity].filter(Boolean).join(" ");
  }
  return `${l.method} ${decodeURIComponent(l.path.split("?")[0]!).replace(/\/users\/[0-9a-f-]{36}\//, "/users/{id}/")}`;
}

const normalize = (lines: LoggedCall[]) => lines.map(describeCall);

/** A call that changes the tenant: a Graph write, or a cmdlet other than Get-* and Connect. */
const isWrite = (l: LoggedCall) =>
  l.surface === "pwsh" ? !/^PS (Get-|Connect-)/.test(describeCall(l)) : l.method !== "GET";

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | null | false>) =>
  waitUntil(what, probe, { timeoutMs: 40_000, intervalMs: 200 });

describe("Direct Routing setup against the Microsoft 365 emulator", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partnerUser: SignedInUser;
  let regions: string[];
  let enterpriseId: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp(emulatorEnv(emulator));
    ({ tree, partnerUser, regions } = await configuredOperatorAndPartner(t));
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  it("connects the customer and runs the checklist calls exactly once each", async () => {
    enterpriseId = await onboardEnterprise(t, tree.partner, partnerUser, regions, "contoso");
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/microsoft/connect`,
      headers: partnerUser.headers,
    });
    expect(connect.statusCode).toBe(200);
    const landing = await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${CONTOSO.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    expect(landing).toMatch(/^\/microsoft\/result\//);
    const flowId = landing.split("/").pop()!;
    const result = await t.app.inject({ url: `/api/microsoft/consent-flows/${flowId}` });
    expect(result.json()).toMatchObject({
      outcome: "connected",
      adminUpn: `admin@${CONTOSO.domain}`,
      tenantDomain: CONTOSO.domain,
      portalName: "Orchid Collab Portal",
    });

    const setup = await waitFor("setup completed", async () => {
      const view = await t.app.inject({
        url: `/api/accounts/${enterpriseId}/direct-routing-setup`,
        headers: partnerUser.headers,
      });
      const body = view.json();
      if (body.status === "failed") throw new Error(JSON.stringify(body));
      return body.status === "completed" ? body : null;
    });
    expect(setup.steps.every((s: { status: string }) => s.status === "done")).toBe(true);

    const fqdn = "contoso.customers.sbc.example.net";
    const calls = normalize(await microsoftCalls(emulator, CONTOSO.id));
    // The consent flow read the organization once (tenant domain); everything after it is the setup.
    expect(calls[0]).toBe("GET /graph/v1.0/organization");
    expect(calls.slice(1), JSON.stringify(await microsoftCalls(emulator, CONTOSO.id), null, 1)).toEqual(
      expectedSetupCalls(fqdn, "s2t-contoso"),
    );
    const connection = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/microsoft/connection`,
      headers: partnerUser.headers,
    });
    expect(connection.json()).toMatchObject({ status: "connected", tenantDomain: CONTOSO.domain });
  });

  /** The partner's "Re-check" on the checklist, then every step done again. */
  async function recheckUntilCompleted() {
    const recheck = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/direct-routing-setup/recheck`,
      headers: partnerUser.headers,
    });
    expect(recheck.statusCode).toBe(202);
    await waitFor("re-check completed", async () => {
      const body = (
        await t.app.inject({
          url: `/api/accounts/${enterpriseId}/direct-routing-setup`,
          headers: partnerUser.headers,
        })
      ).json();
      return body.status === "completed" && body.steps.every((s: { status: string }) => s.status === "done");
    });
  }

  it("re-running the job on the configured tenant makes no calls; a full re-check only reads", async () => {
    const before = (await microsoftCalls(emulator, CONTOSO.id)).length;
    await expect(runDirectRoutingSetup(t.deps, enterpriseId)).resolves.toBe("completed");
    expect((await microsoftCalls(emulator, CONTOSO.id)).length).toBe(before);

    await recheckUntilCompleted();
    const after = (await microsoftCalls(emulator, CONTOSO.id)).slice(before);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter(isWrite)).toEqual([]);
  });

  it("a re-check repairs drift with Set-Cs* cmdlets, once each, and writes nothing else", async () => {
    const voice = emulator.state.requireTenant(CONTOSO.id).voice;
    const route = voice.get("OnlineVoiceRoute")?.get("s2t-contoso-us-west");
    const plan = voice.get("TenantDialPlan")?.get("s2t-contoso");
    if (!route || !plan) throw new Error("the setup's route and dial plan are missing");
    route.OnlinePstnGatewayList = [];
    plan.NormalizationRules = [{ Name: "stray", Pattern: "^0$", Translation: "+0" }];
    const before = (await microsoftCalls(emulator, CONTOSO.id)).length;
    await recheckUntilCompleted();
    const writes = normalize((await microsoftCalls(emulator, CONTOSO.id)).slice(before).filter(isWrite));
    expect(writes).toEqual([
      "PS Set-CsOnlineVoiceRoute s2t-contoso-US-West",
      "PS Set-CsTenantDialPlan s2t-contoso",
    ]);
    expect(voice.get("OnlineVoiceRoute")?.get("s2t-contoso-us-west")?.OnlinePstnGatewayList).toEqual([
      "contoso.customers.sbc.example.net",
    ]);
  });

  it("shows the dashboard counts for the partner", async () => {
    const dashboard = (
      await t.app.inject({ url: `/api/accounts/${tree.partner.id}/dashboard`, headers: partnerUser.headers })
    ).json();
    expect(dashboard.counts).toEqual(
      expect.arrayContaining([
        { key: "trunk-profiles", label: "Trunk profiles", value: 1 },
        { key: "teams-profiles", label: "Teams profiles", value: 1 },
        { key: "connected-tenants", label: "Connected tenants", value: 1 },
      ]),
    );
  });

  it("waits out a 429 Retry-After and completes", async () => {
    const fabrikam = DEMO_TENANTS.fabrikam;
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "fabrikam");
    await setFaults(emulator, {
      rules: [
        {
          pathPattern: "/_emulator/pwsh/invoke/Get-CsOnlineVoiceRoute",
          method: "POST",
          tenantId: fabrikam.id,
          status: 429,
          retryAfter: 2,
          count: 1,
        },
      ],
    });
    await connectAsGlobalAdmin(t, emulator, id, partnerUser, fabrikam);
    const started = Date.now();
    await waitFor("throttled setup completed", async () => {
      const body = (
        await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partnerUser.headers })
      ).json();
      if (body.status === "failed") throw new Error(JSON.stringify(body));
      return body.status === "completed";
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const log = await microsoftCalls(emulator, fabrikam.id);
    const routeReads = log.filter((l) => l.path.endsWith("/invoke/Get-CsOnlineVoiceRoute"));
    expect(routeReads.map((l) => l.status)).toEqual([429, 200]);
    // Each write once, though the step ran twice.
    const writes = normalize(log.filter(isWrite));
    expect(writes).toContain("PS New-CsOnlineVoiceRoute s2t-fabrikam-CA-Central");
    expect(new Set(writes).size).toBe(writes.length);
  });

  it("deletes an enterprise: removes what it created in the tenant, then its records", async () => {
    const before = (await microsoftCalls(emulator, CONTOSO.id)).length;
    const response = await t.app.inject({
      method: "DELETE",
      url: `/api/accounts/${enterpriseId}/enterprise`,
      headers: partnerUser.headers,
    });
    expect(response.statusCode).toBe(202);
    await waitFor("the enterprise to be gone", async () => {
      const gone = await t.app.inject({
        url: `/api/accounts/${enterpriseId}/enterprise`,
        headers: partnerUser.headers,
      });
      return gone.statusCode === 404;
    });
    const removals = normalize(
      (await microsoftCalls(emulator, CONTOSO.id)).slice(before).filter((l) => isWrite(l) && l.status < 400),
    );
    expect(removals).toEqual([
      "PS Remove-CsTenantDialPlan s2t-contoso",
      "PS Remove-CsOnlineVoiceRoutingPolicy s2t-contoso-CA-Central",
      "PS Remove-CsOnlineVoiceRoutingPolicy s2t-contoso-US-West",
      "PS Remove-CsOnlineVoiceRoute s2t-contoso-CA-Central",
      "PS Remove-CsOnlineVoiceRoute s2t-contoso-US-West",
      "PS Set-CsOnlinePstnUsage Global",
      expect.stringMatching(/^DELETE \/graph\/v1.0\/users\//),
      "DELETE /graph/v1.0/domains/contoso.customers.sbc.example.net",
    ]);
    const list = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/trunk-profiles?search=contoso`,
      headers: partnerUser.headers,
    });
    expect(list.json().items).toEqual([]);
  });
});
