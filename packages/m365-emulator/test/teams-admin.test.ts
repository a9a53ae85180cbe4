import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE, type StartedEmulator } from "../src/index.js";
import { appToken, CONTOSO, consentDemoApp, startDemo, TEAMS_SCOPE } from "./helpers.js";

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

describe("Teams voice administration (ConfigAPI surface)", () => {
  it("refuses a Graph token", async () => {
    const graphToken = await appToken(emu, CONTOSO.id);
    const res = await fetch(`${emu.teamsAdminUrl}/Skype.Policy/configurations/OnlinePstnUsages`, {
      headers: { authorization: `Bearer ${graphToken}` },
    });
    expect(res.status).toBe(401);
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
    expect((await ta("POST", "/Skype.Policy/configurations/OnlineVoiceRoute", route)).status).toBe(400);
    const usages = await ta("GET", "/Skype.Policy/configurations/OnlinePstnUsages");
    expect(usages.body).toEqual([{ Identity: "Global", Usage: [] }]);
    expect(
      (
        await ta("PUT", "/Skype.Policy/configurations/OnlinePstnUsages/configuration/Global", {
          Usage: ["CarrierX"],
        })
      ).status,
    ).toBe(200);
    // Gateway must exist (or be a verified domain, i.e. a derived trunk).
    const noGw = await ta("POST", "/Skype.Policy/configurations/OnlineVoiceRoute", route);
    expect(noGw.status).toBe(400);
    expect(noGw.body.error.message).toContain("gateway");
    const gw = await ta("POST", "/Skype.Policy/configurations/OnlinePSTNGateway", {
      Fqdn: "sbc.carrier.example",
      SipSignalingPort: 5068,
    });
    expect(gw.status).toBe(200);
    expect(gw.body).toMatchObject({
      Identity: "sbc.carrier.example",
      Enabled: false,
      SendSipOptions: true,
      FailoverTimeSeconds: 10,
    });
    expect((await ta("POST", "/Skype.Policy/configurations/OnlineVoiceRoute", route)).status).toBe(200);
    const derived = await ta("POST", "/Skype.Policy/configurations/OnlineVoiceRoute", {
      ...route,
      Identity: "Derived",
      OnlinePstnGatewayList: ["contoso.example"],
    });
    expect(derived.status).toBe(200);

    const policy = await ta("POST", "/Skype.Policy/configurations/OnlineVoiceRoutingPolicy", {
      Identity: "CarrierX",
      OnlinePstnUsages: ["CarrierX"],
    });
    expect(policy.body.Identity).toBe("Tag:CarrierX");
    expect(
      (
        await ta("POST", "/Skype.Policy/configurations/OnlineVoiceRoutingPolicy", {
          Identity: "Bad",
          OnlinePstnUsages: ["Nope"],
        })
      ).status,
    ).toBe(400);
    // A usage in use cannot be removed.
    expect(
      (await ta("PUT", "/Skype.Policy/configurations/OnlinePstnUsages/configuration/Global", { Usage: [] }))
        .status,
    ).toBe(400);

    const plan = await ta("POST", "/Skype.Policy/configurations/TenantDialPlan", {
      Identity: "DE-Berlin",
      NormalizationRules: [
        { Name: "Ext4", Pattern: "^(\\d{4})$", Translation: "+49301234$1", IsInternalExtension: true },
      ],
    });
    expect(plan.status).toBe(200);
    expect(plan.body.NormalizationRules[0]).toMatchObject({ Name: "Ext4", Priority: 0 });
    expect(
      (await ta("POST", "/Skype.Policy/configurations/TenantDialPlan", { Identity: "bad name!" })).status,
    ).toBe(400);
    const upd = await ta("PUT", "/Skype.Policy/configurations/TenantDialPlan/configuration/Tag:DE-Berlin", {
      Description: "Berlin",
    });
    expect(upd.body).toMatchObject({ Identity: "Tag:DE-Berlin", Description: "Berlin" });
  });

  it("grants policies to users and shows them in /Teams.User/users", async () => {
    const upn = "user1@contoso.example";
    const grant = await ta("PUT", `/Skype.Policy/users/${upn}`, {
      PolicyType: "OnlineVoiceRoutingPolicy",
      PolicyName: "CarrierX",
    });
    expect(grant.status).toBe(204);
    expect(
      (await ta("PUT", `/Skype.Policy/users/${upn}`, { PolicyType: "TenantDialPlan", PolicyName: "Nope" }))
        .status,
    ).toBe(404);
    const users = await ta("GET", "/Teams.User/users");
    const user = users.body.users.find((u: { userPrincipalName: string }) => u.userPrincipalName === upn);
    expect(user).toMatchObject({ onlineVoiceRoutingPolicy: "CarrierX", featureTypes: ["PhoneSystem"] });
    expect(user.effectivePolicyAssignments).toContainEqual(
      expect.objectContaining({
        policyType: "OnlineVoiceRoutingPolicy",
        policyAssignment: expect.objectContaining({ displayName: "CarrierX" }),
      }),
    );
    // A policy in use cannot be deleted; unassign first.
    expect(
      (await ta("DELETE", "/Skype.Policy/configurations/OnlineVoiceRoutingPolicy/configuration/Tag:CarrierX"))
        .status,
    ).toBe(400);
    expect(
      (
        await ta("PUT", `/Skype.Policy/users/${upn}`, {
          PolicyType: "OnlineVoiceRoutingPolicy",
          PolicyName: null,
        })
      ).status,
    ).toBe(204);
    expect(
      (await ta("DELETE", "/Skype.Policy/configurations/OnlineVoiceRoutingPolicy/configuration/Tag:CarrierX"))
        .status,
    ).toBe(204);
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
