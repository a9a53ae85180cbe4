import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE, type StartedEmulator } from "../src/index.js";
import { appToken, CONTOSO, consentDemoApp, type Json, startDemo, TEAMS_SCOPE } from "./helpers.js";

let emu: StartedEmulator;
let token: string;
beforeAll(async () => {
  emu = await startDemo();
  consentDemoApp(emu, CONTOSO.id, [ROLE.TEAMS_ADMINISTRATOR]);
  token = await appToken(emu, CONTOSO.id, TEAMS_SCOPE);
});
afterAll(() => emu?.close());

async function ta(method: string, path: string, body?: unknown) {
  const res = await fetch(`${emu.teamsAdminUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** One cmdlet as the pwsh stand-in sends it: `POST /_emulator/pwsh/invoke/{cmdlet}` with `{cmdlet, parameters}`. */
async function ps(cmdlet: string, parameters: Record<string, unknown> = {}, bearer = token) {
  const res = await fetch(`${emu.url}/_emulator/pwsh/invoke/${cmdlet}`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: JSON.stringify({ cmdlet, parameters }),
  });
  return { status: res.status, ...((await res.json()) as { ok: boolean; output?: Json; error?: Json }) };
}

describe("Teams voice administration (MicrosoftTeams cmdlets through the pwsh stand-in)", () => {
  it("refuses a Graph token", async () => {
    const graphToken = await appToken(emu, CONTOSO.id);
    expect((await ps("Get-CsOnlinePstnUsage", {}, graphToken)).status).toBe(401);
  });

  it("builds the Direct Routing configuration in Microsoft's order and enforces references", async () => {
    const route = {
      Identity: "CarrierX-All",
      NumberPattern: "^\\+?\\d+$",
      OnlinePstnGatewayList: ["sbc.carrier.example"],
      OnlinePstnUsages: ["CarrierX"],
      Priority: 1,
    };
    // No usage yet → the route is refused.
    expect((await ps("New-CsOnlineVoiceRoute", route)).ok).toBe(false);
    expect((await ps("Get-CsOnlinePstnUsage")).output).toEqual({ Identity: "Global", Usage: [] });
    expect((await ps("Set-CsOnlinePstnUsage", { Identity: "Global", Usage: { Add: ["CarrierX"] } })).ok).toBe(
      true,
    );
    // Gateway must exist (or be a verified domain, i.e. a derived trunk).
    const noGw = await ps("New-CsOnlineVoiceRoute", route);
    expect(noGw.ok).toBe(false);
    expect(noGw.error.message).toContain("gateway");
    const gw = await ps("New-CsOnlinePSTNGateway", { Fqdn: "sbc.carrier.example", SipSignalingPort: 5068 });
    expect(gw.output).toMatchObject({
      Identity: "sbc.carrier.example",
      Enabled: false,
      SendSipOptions: true,
      FailoverTimeSeconds: 10,
    });
    expect((await ps("New-CsOnlineVoiceRoute", route)).ok).toBe(true);
    const derived = await ps("New-CsOnlineVoiceRoute", {
      ...route,
      Identity: "Derived",
      OnlinePstnGatewayList: ["contoso.example"],
    });
    expect(derived.ok).toBe(true);

    const policy = await ps("New-CsOnlineVoiceRoutingPolicy", {
      Identity: "CarrierX",
      OnlinePstnUsages: ["CarrierX"],
    });
    expect(policy.output.Identity).toBe("Tag:CarrierX");
    expect(
      (await ps("New-CsOnlineVoiceRoutingPolicy", { Identity: "Bad", OnlinePstnUsages: ["Nope"] })).ok,
    ).toBe(false);
    // A usage in use cannot be removed.
    expect(
      (await ps("Set-CsOnlinePstnUsage", { Identity: "Global", Usage: { Remove: ["CarrierX"] } })).ok,
    ).toBe(false);

    const plan = await ps("New-CsTenantDialPlan", {
      Identity: "DE-Berlin",
      NormalizationRules: [
        {
          Parent: "DE-Berlin",
          Name: "Ext4",
          Pattern: "^(\\d{4})$",
          Translation: "+49301234$1",
          IsInternalExtension: true,
        },
      ],
    });
    expect(plan.ok).toBe(true);
    expect(plan.output.NormalizationRules[0]).toMatchObject({ Name: "Ext4", Priority: 0 });
    expect((await ps("New-CsTenantDialPlan", { Identity: "bad name!" })).ok).toBe(false);
    expect((await ps("Set-CsTenantDialPlan", { Identity: "Tag:DE-Berlin", Description: "Berlin" })).ok).toBe(
      true,
    );
    expect((await ps("Get-CsTenantDialPlan", { Identity: "DE-Berlin" })).output).toMatchObject({
      Identity: "Tag:DE-Berlin",
      Description: "Berlin",
    });
  });

  it("grants policies to users and shows them in /Teams.User/users", async () => {
    const upn = "user1@contoso.example";
    const grant = await ps("Grant-CsOnlineVoiceRoutingPolicy", { Identity: upn, PolicyName: "CarrierX" });
    expect(grant.ok).toBe(true);
    expect((await ps("Grant-CsTenantDialPlan", { Identity: upn, PolicyName: "Nope" })).ok).toBe(false);
    const users = await ta("GET", "/Teams.User/users");
    const user = users.body.users.find((u: { userPrincipalName: string }) => u.userPrincipalName === upn);
    expect(user).toMatchObject({
      onlineVoiceRoutingPolicy: "CarrierX",
      featureTypes: ["Teams", "PhoneSystem"],
    });
    expect(user.effectivePolicyAssignments).toContainEqual(
      expect.objectContaining({
        policyType: "OnlineVoiceRoutingPolicy",
        policyAssignment: expect.objectContaining({ displayName: "CarrierX" }),
      }),
    );
    // A policy in use cannot be deleted; unassign first.
    expect((await ps("Remove-CsOnlineVoiceRoutingPolicy", { Identity: "Tag:CarrierX" })).ok).toBe(false);
    expect((await ps("Grant-CsOnlineVoiceRoutingPolicy", { Identity: upn, PolicyName: null })).ok).toBe(true);
    expect((await ps("Remove-CsOnlineVoiceRoutingPolicy", { Identity: "Tag:CarrierX" })).ok).toBe(true);
    const domains = await ta("GET", "/Teams.Tenant/VerifiedSipDomains");
    expect(domains.status).toBe(200);
    expect(domains.body).toContainEqual({ Name: "contoso.example", Status: "Enabled" });
  });

  it("serves the number inventory with NextLink paging", async () => {
    const first = await ta(
      "GET",
      `/Skype.TelephoneNumberMgmt/Tenants/${CONTOSO.id}/telephone-numbers?skip=0&locale=en-US&top=15`,
    );
    expect(first.status).toBe(200);
    expect(first.body.TelephoneNumbers).toHaveLength(15);
    expect(
      first.body.TelephoneNumbers.filter(
        (n: { TargetId: string }) => n.TargetId !== "00000000-0000-0000-0000-000000000000",
      ),
    ).toHaveLength(5);
    const next = new URL(first.body.NextLink);
    const second = await ta("GET", `${next.pathname.replace("/teams-admin", "")}${next.search}`);
    expect(second.body.TelephoneNumbers).toHaveLength(7);
    expect(second.body.NextLink).toBeNull();
    expect(
      (
        await ta(
          "GET",
          "/Skype.TelephoneNumberMgmt/Tenants/3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a02/telephone-numbers",
        )
      ).status,
    ).toBe(403);
  });

  it("shows new users on the Teams side only after the configured sync delay", async () => {
    emu.state.settings.teamsSyncDelayMs = 60_000;
    const graphToken = await appToken(emu, CONTOSO.id);
    const created = await fetch(`${emu.graphUrl}/v1.0/users`, {
      method: "POST",
      headers: { authorization: `Bearer ${graphToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        accountEnabled: true,
        displayName: "New Hire",
        mailNickname: "newhire",
        userPrincipalName: "newhire@contoso.example",
        passwordProfile: { password: "P@ssw0rd-1!" },
      }),
    });
    expect(created.status).toBe(201);
    expect((await ta("GET", "/Teams.User/users/newhire@contoso.example")).status).toBe(404);
    emu.state.advanceClock(CONTOSO.id, 61_000);
    token = await appToken(emu, CONTOSO.id, TEAMS_SCOPE);
    expect((await ta("GET", "/Teams.User/users/newhire@contoso.example")).body.userPrincipalName).toBe(
      "newhire@contoso.example",
    );
    emu.state.settings.teamsSyncDelayMs = 0;
  });
});
