import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APP, DEMO_PASSWORDS, ROLE, type StartedEmulator } from "../src/index.js";
import {
  claimsOf,
  FABRIKAM,
  FormBrowser,
  GRAPH_SCOPE,
  graph,
  signIn,
  startDemo,
  TEAMS_SCOPE,
  tokenResponse,
} from "./helpers.js";

/** The carrier-model checklist (teams-voice-admin-api.md §5) end to end, the way the portal drives it. */
let emu: StartedEmulator;
beforeAll(async () => {
  emu = await startDemo();
});
afterAll(() => emu?.close());

async function clientToken(scope: string): Promise<string> {
  const r = await tokenResponse(emu, FABRIKAM.id, {
    grant_type: "client_credentials",
    client_id: DEMO_APP.clientId,
    client_secret: DEMO_APP.clientSecret,
    scope,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.access_token as string;
}

async function teams(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${emu.teamsAdminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** One MicrosoftTeams cmdlet as the pwsh stand-in sends it. */
async function cmdlet(token: string, name: string, parameters: Record<string, unknown>) {
  const res = await fetch(`${emu.url}/_emulator/pwsh/invoke/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ cmdlet: name, parameters }),
  });
  return (await res.json()) as { ok: boolean; output?: unknown; error?: { message: string } };
}

describe("onboarding a customer tenant for Direct Routing", () => {
  it("consents, grants Teams Administrator, verifies the subdomain, configures voice and provisions a user", async () => {
    // 1. Admin consent by the customer's Global Administrator.
    const browser = new FormBrowser(emu.url);
    const start = `${emu.url}/organizations/v2.0/adminconsent?client_id=${DEMO_APP.clientId}&redirect_uri=${encodeURIComponent(
      "http://localhost:8080/api/microsoft/callback",
    )}&scope=${encodeURIComponent(GRAPH_SCOPE)}&state=onb`;
    const page = await signIn(browser, start, "admin@fabrikam.example", DEMO_PASSWORDS.admin);
    const consent = await browser.submit(page.html ?? "", {}, "Accept");
    expect(consent.redirect?.searchParams.get("tenant")).toBe(FABRIKAM.id);

    // 2. Teams Administrator for the app's service principal; a new Teams token carries it.
    let graphToken = await clientToken(GRAPH_SCOPE);
    // Its own service principal is the token's oid: listing servicePrincipals needs Application.Read.All.
    const sp = await graph(
      emu,
      graphToken,
      "GET",
      `/servicePrincipals?$filter=appId eq '${DEMO_APP.clientId}'&$select=id`,
    );
    expect(sp.status).toBe(403);
    const spId = claimsOf(graphToken).oid as string;
    const ra = await graph(emu, graphToken, "POST", "/roleManagement/directory/roleAssignments", {
      principalId: spId,
      roleDefinitionId: ROLE.TEAMS_ADMINISTRATOR,
      directoryScopeId: "/",
    });
    expect(ra.status).toBe(201);
    // Within the role propagation delay new tokens do not carry it yet; the tenant clock moves past it.
    expect(claimsOf(await clientToken(TEAMS_SCOPE)).wids ?? []).not.toContain(ROLE.TEAMS_ADMINISTRATOR);
    emu.state.advanceClock(FABRIKAM.id, emu.state.settings.rolePropagationMs);
    const teamsToken = await clientToken(TEAMS_SCOPE);
    expect(claimsOf(teamsToken).wids).toContain(ROLE.TEAMS_ADMINISTRATOR);

    // 3. Subdomain: add, read the TXT record, publish it, verify.
    const fqdn = "fabrikam.customers.carrier.example";
    expect((await graph(emu, graphToken, "POST", "/domains", { id: fqdn })).status).toBe(201);
    const records = await graph(emu, graphToken, "GET", `/domains/${fqdn}/verificationDnsRecords`);
    const txt = records.body.value.find((r: { recordType: string }) => r.recordType === "Txt");
    emu.state.publishDnsTxt(FABRIKAM.id, txt.label, txt.text);
    expect((await graph(emu, graphToken, "POST", `/domains/${fqdn}/verify`)).body.isVerified).toBe(true);

    // 4. Activate it with a licensed user whose UPN is on the subdomain.
    const created = await graph(emu, graphToken, "POST", "/users", {
      accountEnabled: true,
      displayName: "SIP activation",
      mailNickname: "sipactivation",
      userPrincipalName: `sipactivation@${fqdn}`,
      usageLocation: "GB",
      passwordProfile: { password: "Act1vation-Pass!", forceChangePasswordNextSignIn: false },
    });
    expect(created.status).toBe(201);
    const sipDomainsBefore = await teams(teamsToken, "GET", "/Teams.Tenant/VerifiedSipDomains");
    expect(sipDomainsBefore.body).toContainEqual({ Name: fqdn, Status: "Disabled" });
    const skus = await graph(emu, graphToken, "GET", "/subscribedSkus");
    const sku = (part: string) =>
      skus.body.value.find((s: { skuPartNumber: string }) => s.skuPartNumber === part).skuId as string;
    const license = (skuId: string) =>
      graph(emu, graphToken, "POST", `/users/${created.body.id}/assignLicense`, {
        addLicenses: [{ skuId, disabledPlans: [] }],
        removeLicenses: [],
      });
    emu.state.settings.domainActivationMs = 60_000; // well within the tokens' lifetime
    // Teams Phone Standard (MCOEV) alone does not activate the subdomain; a licence that includes Teams does,
    // after the activation delay.
    expect((await license(sku("MCOEV"))).status).toBe(200);
    emu.state.advanceClock(FABRIKAM.id, emu.state.settings.domainActivationMs);
    expect((await teams(teamsToken, "GET", "/Teams.Tenant/VerifiedSipDomains")).body).toContainEqual({
      Name: fqdn,
      Status: "Disabled",
    });
    const early = await cmdlet(teamsToken, "New-CsOnlineVoiceRoute", {
      Identity: "Early",
      NumberPattern: ".*",
      OnlinePstnGatewayList: [fqdn],
    });
    expect(early.ok).toBe(false);
    expect(early.error?.message).toMatch(/not activated yet/);
    expect((await license(sku("SPE_E5"))).status).toBe(200);
    expect((await teams(teamsToken, "GET", "/Teams.Tenant/VerifiedSipDomains")).body).toContainEqual({
      Name: fqdn,
      Status: "Disabled",
    });
    emu.state.advanceClock(FABRIKAM.id, emu.state.settings.domainActivationMs);
    const sipDomains = await teams(teamsToken, "GET", "/Teams.Tenant/VerifiedSipDomains");
    expect(sipDomains.body).toContainEqual({ Name: fqdn, Status: "Enabled" });

    // 5.–7. PSTN usage, derived-trunk route, routing policy, dial plan.
    expect(
      (
        await cmdlet(teamsToken, "Set-CsOnlinePstnUsage", {
          Identity: "Global",
          Usage: { Add: ["CarrierX"] },
        })
      ).ok,
    ).toBe(true);
    const route = await cmdlet(teamsToken, "New-CsOnlineVoiceRoute", {
      Identity: "CarrierX-All",
      NumberPattern: ".*",
      OnlinePstnGatewayList: [fqdn],
      OnlinePstnUsages: ["CarrierX"],
      Priority: 1,
    });
    expect(route.ok, JSON.stringify(route)).toBe(true);
    expect(
      (
        await cmdlet(teamsToken, "New-CsOnlineVoiceRoutingPolicy", {
          Identity: "CarrierX",
          OnlinePstnUsages: ["CarrierX"],
        })
      ).ok,
    ).toBe(true);
    expect((await cmdlet(teamsToken, "New-CsTenantDialPlan", { Identity: "UK" })).ok).toBe(true);

    // 8. Provision a Teams Phone user: number (Graph, async), policies (Teams admin), verify.
    const user = [...emu.state.requireTenant(FABRIKAM.id).users.values()].find(
      (u) => u.userPrincipalName === "user1@fabrikam.example",
    );
    const assign = await graph(
      emu,
      graphToken,
      "POST",
      "/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber",
      {
        telephoneNumber: "+442071880001",
        assignmentTargetId: user?.id,
        numberType: "directRouting",
        assignmentCategory: "primary",
      },
    );
    expect(assign.status).toBe(202);
    const opPath = (assign.headers.get("location") ?? "").replace(/^.*\/v1\.0/, "");
    let op = await graph(emu, graphToken, "GET", opPath);
    for (let i = 0; i < 250 && !["succeeded", "failed"].includes(op.body.status); i++) {
      await new Promise((r) => setTimeout(r, 20));
      op = await graph(emu, graphToken, "GET", opPath);
    }
    expect(op.body.status).toBe("succeeded");
    for (const [grant, PolicyName] of [
      ["Grant-CsOnlineVoiceRoutingPolicy", "CarrierX"],
      ["Grant-CsTenantDialPlan", "UK"],
    ] as const) {
      expect((await cmdlet(teamsToken, grant, { Identity: user?.id, PolicyName })).ok).toBe(true);
    }
    const voice = await teams(teamsToken, "GET", `/Teams.User/users/${user?.id}`);
    expect(voice.body).toMatchObject({
      enterpriseVoiceEnabled: true,
      lineUri: "tel:+442071880001",
      onlineVoiceRoutingPolicy: "CarrierX",
      tenantDialPlan: "UK",
    });
    graphToken = await clientToken(GRAPH_SCOPE);
    const config = await graph(emu, graphToken, "GET", `/admin/teams/userConfigurations/${user?.id}`);
    expect(config.body.telephoneNumbers).toEqual([
      { telephoneNumber: "+442071880001", assignmentCategory: "primary" },
    ]);

    // Everything the portal did is in the tenant's request log.
    const log = emu.state.requests(FABRIKAM.id).map((e) => `${e.method} ${e.path} ${e.status}`);
    expect(log).toContain("POST /graph/v1.0/roleManagement/directory/roleAssignments 201");
    expect(log).toContain("POST /_emulator/pwsh/invoke/New-CsOnlineVoiceRoute 200");
  });
});
