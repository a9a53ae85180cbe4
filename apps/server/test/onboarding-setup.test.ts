import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDirectRoutingSetup } from "../src/modules/direct-routing-setup/service.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import {
  apiRequests,
  configureOperator,
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
    "GET /graph/v1.0/servicePrincipals",
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
    "GET /teams-admin/Skype.Policy/configurations/OnlinePstnUsages",
    "PUT /teams-admin/Skype.Policy/configurations/OnlinePstnUsages/configuration/Global",
    "GET /teams-admin/Skype.Policy/configurations/OnlineVoiceRoute",
    "POST /teams-admin/Skype.Policy/configurations/OnlineVoiceRoute",
    "POST /teams-admin/Skype.Policy/configurations/OnlineVoiceRoute",
    "GET /teams-admin/Skype.Policy/configurations/OnlineVoiceRoutingPolicy",
    "POST /teams-admin/Skype.Policy/configurations/OnlineVoiceRoutingPolicy",
    "POST /teams-admin/Skype.Policy/configurations/OnlineVoiceRoutingPolicy",
    "GET /teams-admin/Skype.Policy/configurations/TenantDialPlan",
    "POST /teams-admin/Skype.Policy/configurations/TenantDialPlan",
  ].map((line) => line.replace(usage, usage));
}

const normalize = (lines: { method: string; path: string }[]) =>
  lines.map(
    (l) =>
      `${l.method} ${decodeURIComponent(l.path.split("?")[0]!).replace(/\/users\/[0-9a-f-]{36}\//, "/users/{id}/")}`,
  );

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
    tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerUser = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    regions = await configureOperator(t, tree.operator, operatorAdmin);
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
    const calls = normalize(await apiRequests(emulator, CONTOSO.id));
    // The consent flow read the organization once (tenant domain); everything after it is the setup.
    expect(calls[0]).toBe("GET /graph/v1.0/organization");
    expect(calls.slice(1), JSON.stringify(await apiRequests(emulator, CONTOSO.id), null, 1)).toEqual(
      expectedSetupCalls(fqdn, "s2t-contoso"),
    );
    const connection = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/microsoft/connection`,
      headers: partnerUser.headers,
    });
    expect(connection.json()).toMatchObject({ status: "connected", tenantDomain: CONTOSO.domain });
  });

  it("re-running the job on the configured tenant makes no calls; a full re-check only reads", async () => {
    const before = (await apiRequests(emulator, CONTOSO.id)).length;
    await expect(runDirectRoutingSetup(t.deps, enterpriseId)).resolves.toBe("completed");
    expect((await apiRequests(emulator, CONTOSO.id)).length).toBe(before);

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
    const after = (await apiRequests(emulator, CONTOSO.id)).slice(before);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((l) => l.method !== "GET")).toEqual([]);
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
          pathPattern: "/teams-admin/Skype.Policy/configurations/OnlineVoiceRoute",
          method: "GET",
          tenantId: fabrikam.id,
          status: 429,
          retryAfter: 2,
          count: 1,
        },
      ],
    });
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/microsoft/connect`,
      headers: partnerUser.headers,
    });
    await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${fabrikam.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    const started = Date.now();
    await waitFor("throttled setup completed", async () => {
      const body = (
        await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partnerUser.headers })
      ).json();
      if (body.status === "failed") throw new Error(JSON.stringify(body));
      return body.status === "completed";
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const log = await apiRequests(emulator, fabrikam.id);
    const routeReads = log.filter((l) => l.method === "GET" && l.path.endsWith("/OnlineVoiceRoute"));
    expect(routeReads.map((l) => l.status)).toEqual([429, 200]);
    const writes = normalize(log.filter((l) => l.method !== "GET"));
    expect(
      new Set(
        writes.filter((w) => !w.endsWith("OnlineVoiceRoute") && !w.endsWith("OnlineVoiceRoutingPolicy")),
      ).size,
    ).toBe(
      writes.filter((w) => !w.endsWith("OnlineVoiceRoute") && !w.endsWith("OnlineVoiceRoutingPolicy")).length,
    );
  });

  it("deletes an enterprise: removes what it created in the tenant, then its records", async () => {
    const before = (await apiRequests(emulator, CONTOSO.id)).length;
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
      (await apiRequests(emulator, CONTOSO.id))
        .slice(before)
        .filter((l) => l.method !== "GET" && l.status < 400),
    );
    expect(removals).toEqual([
      "DELETE /teams-admin/Skype.Policy/configurations/TenantDialPlan/configuration/s2t-contoso",
      "DELETE /teams-admin/Skype.Policy/configurations/OnlineVoiceRoutingPolicy/configuration/s2t-contoso-CA-Central",
      "DELETE /teams-admin/Skype.Policy/configurations/OnlineVoiceRoutingPolicy/configuration/s2t-contoso-US-West",
      "DELETE /teams-admin/Skype.Policy/configurations/OnlineVoiceRoute/configuration/s2t-contoso-CA-Central",
      "DELETE /teams-admin/Skype.Policy/configurations/OnlineVoiceRoute/configuration/s2t-contoso-US-West",
      "PUT /teams-admin/Skype.Policy/configurations/OnlinePstnUsages/configuration/Global",
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
