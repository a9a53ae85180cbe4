import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_COUNTS, PLAN, type StartedEmulator } from "../src/index.js";
import { appToken, CONTOSO, consentDemoApp, FABRIKAM, graph, startConsentedDemo } from "./helpers.js";

const MCOEV = "e43b5b99-8dfb-405f-9987-dc307f34bcbd";
const E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const TNM = "/admin/teams/telephoneNumberManagement";

let emu: StartedEmulator;
let token: string;
beforeAll(async () => {
  ({ emu, token } = await startConsentedDemo());
});
afterAll(() => emu?.close());

const g = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  graph(emu, token, method, path, body, headers);

async function newUser(nick: string, usageLocation?: string) {
  const r = await g("POST", "/users", {
    accountEnabled: true,
    displayName: nick,
    mailNickname: nick,
    userPrincipalName: `${nick}@contoso.example`,
    ...(usageLocation ? { usageLocation } : {}),
    passwordProfile: { password: "P@ssw0rd-1!", forceChangePasswordNextSignIn: true },
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function waitForOperation(location: string) {
  const path = location.slice(location.indexOf("/admin/"));
  for (let i = 0; i < 250; i++) {
    const op = await g("GET", path);
    if (op.body.status === "succeeded" || op.body.status === "failed") return op.body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("operation did not finish");
}

describe("users, licences and delta", () => {
  it("counts the demo tenant's Teams Phone users with an advanced query", async () => {
    const filter = encodeURIComponent(
      `assignedPlans/any(x:x/servicePlanId eq ${PLAN.MCOEV.servicePlanId} and x/capabilityStatus eq 'Enabled') and accountEnabled eq true`,
    );
    const plain = await g("GET", `/users?$filter=${filter}`);
    expect(plain.status).toBe(400);
    expect(plain.body.error.code).toBe("Request_UnsupportedQuery");
    const r = await g("GET", `/users?$filter=${filter}&$count=true&$select=id`, undefined, {
      ConsistencyLevel: "eventual",
    });
    expect(r.status).toBe(200);
    expect(r.body["@odata.count"]).toBe(DEMO_COUNTS.teamsPhoneEligible);
    const count = await g("GET", "/users/$count", undefined, { ConsistencyLevel: "eventual" });
    expect(count.body).toBe(DEMO_COUNTS.users);
    const skus = await g("GET", "/subscribedSkus");
    const mcoev = skus.body.value.find((s: { skuPartNumber: string }) => s.skuPartNumber === "MCOEV");
    expect(mcoev.consumedUnits).toBe(DEMO_COUNTS.skus.MCOEV.consumed);
    expect(mcoev.prepaidUnits.enabled).toBe(DEMO_COUNTS.skus.MCOEV.units);
  });

  it("answers malformed JSON bodies in Graph's error shape", async () => {
    const res = await fetch(`${emu.graphUrl}/v1.0/users`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; innerError: { date: string } } };
    expect(body.error.code).toBe("BadRequest");
    expect(body.error.innerError.date).toBeTruthy();
  });

  it("requires a verified domain, usageLocation and a free seat", async () => {
    const bad = await g("POST", "/users", {
      accountEnabled: true,
      displayName: "x",
      mailNickname: "x",
      userPrincipalName: "x@unverified.example",
      passwordProfile: { password: "P@ssw0rd-1!" },
    });
    expect(bad.status).toBe(400);
    const id = await newUser("licensee");
    const noLoc = await g("POST", `/users/${id}/assignLicense`, {
      addLicenses: [{ skuId: MCOEV, disabledPlans: [] }],
      removeLicenses: [],
    });
    expect(noLoc.status).toBe(400);
    expect(noLoc.body.error.message).toContain("invalid usage location");
    expect(noLoc.body.error.innerError["request-id"]).toBeTruthy();
    expect((await g("PATCH", `/users/${id}`, { usageLocation: "US" })).status).toBe(204);
    // SPE_E5 has exactly one free seat in the demo tenant.
    const ok = await g("POST", `/users/${id}/assignLicense`, {
      addLicenses: [{ skuId: E5, disabledPlans: [] }],
      removeLicenses: [],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.id).toBe(id);
    const other = await newUser("nolicence", "US");
    const full = await g("POST", `/users/${other}/assignLicense`, {
      addLicenses: [{ skuId: E5 }],
      removeLicenses: [],
    });
    expect(full.status).toBe(400);
    expect(full.body.error.message).toContain("does not have any available licenses");
    // Deleting a licensed user frees the seat.
    expect((await g("DELETE", `/users/${id}`)).status).toBe(204);
    const again = await g("POST", `/users/${other}/assignLicense`, {
      addLicenses: [{ skuId: E5 }],
      removeLicenses: [],
    });
    expect(again.status).toBe(200);
  });

  it("sends the paging links before value, as Graph does (a client can read them before the items)", async () => {
    const list = await g("GET", "/users?$top=2&$select=id");
    expect(Object.keys(list.body as object)).toEqual(["@odata.context", "@odata.nextLink", "value"]);
    let page = await g("GET", "/users/delta?$select=id&$top=2");
    expect(Object.keys(page.body as object)).toEqual(["@odata.context", "@odata.nextLink", "value"]);
    while ((page.body as Record<string, unknown>)["@odata.nextLink"]) {
      const next = new URL((page.body as Record<string, string>)["@odata.nextLink"]!);
      page = await g("GET", `${next.pathname.replace(/^.*\/v1\.0/, "")}${next.search}`);
    }
    expect(Object.keys(page.body as object)).toEqual(["@odata.context", "@odata.deltaLink", "value"]);
  });

  it("reports adds, licence changes and deletions through users/delta", async () => {
    let page = await g("GET", "/users/delta?$select=id,userPrincipalName,assignedLicenses");
    let initial = 0;
    while (page.body["@odata.nextLink"]) {
      initial += page.body.value.length;
      page = await g(
        "GET",
        page.body["@odata.nextLink"].slice(page.body["@odata.nextLink"].indexOf("/users")),
      );
    }
    initial += page.body.value.length;
    expect(initial).toBe(emu.state.requireTenant(CONTOSO.id).users.size);
    const deltaLink: string = page.body["@odata.deltaLink"];
    expect(deltaLink).toContain("$deltatoken=");

    const added = await newUser("delta-added", "GB");
    const target = [...emu.state.requireTenant(CONTOSO.id).users.values()].find(
      (u) => u.licenses.length === 0 && u.usageLocation && u.accountEnabled,
    );
    const lic = await g("POST", `/users/${target?.id}/assignLicense`, {
      addLicenses: [{ skuId: MCOEV }],
      removeLicenses: [],
    });
    expect(lic.status).toBe(200);
    const victim = [...emu.state.requireTenant(CONTOSO.id).users.values()].find((u) =>
      u.userPrincipalName.startsWith("ra-"),
    );
    expect((await g("DELETE", `/users/${victim?.id}`)).status).toBe(204);

    const changes = await g("GET", deltaLink.slice(deltaLink.indexOf("/users")));
    expect(changes.status).toBe(200);
    const byId = new Map(changes.body.value.map((v: { id: string }) => [v.id, v]));
    expect(byId.size).toBe(3);
    expect(byId.get(added)).toMatchObject({ userPrincipalName: "delta-added@contoso.example" });
    expect(byId.get(target?.id)).toMatchObject({ assignedLicenses: [{ skuId: MCOEV, disabledPlans: [] }] });
    expect(byId.get(victim?.id)).toEqual({ id: victim?.id, "@removed": { reason: "changed" } });
    const next = changes.body["@odata.deltaLink"] as string;
    const empty = await g("GET", next.slice(next.indexOf("/users")));
    expect(empty.body.value).toEqual([]);
  });
});

describe("domains", () => {
  it("verifies a domain only once its TXT record is published, then allows users in it", async () => {
    expect((await g("POST", "/domains", { id: "cust1.customers.example.net" })).status).toBe(201);
    const early = await g("POST", "/users", {
      accountEnabled: true,
      displayName: "sip",
      mailNickname: "sip",
      userPrincipalName: "sip@cust1.customers.example.net",
      passwordProfile: { password: "P@ssw0rd-1!" },
    });
    expect(early.status).toBe(400);
    const records = await g("GET", "/domains/cust1.customers.example.net/verificationDnsRecords");
    const txt = records.body.value.find((r: { recordType: string }) => r.recordType === "Txt");
    expect(txt.text).toMatch(/^MS=ms\d{8}$/);
    const refused = await g("POST", "/domains/cust1.customers.example.net/verify");
    expect(refused.status).toBe(400);
    const res = await fetch(`${emu.url}/_emulator/tenants/${CONTOSO.id}/dns`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: txt.label, value: txt.text }),
    });
    expect(res.status).toBe(200);
    const verified = await g("POST", "/domains/cust1.customers.example.net/verify");
    expect(verified.status).toBe(200);
    expect(verified.body.isVerified).toBe(true);
    const later = await g("POST", "/users", {
      accountEnabled: true,
      displayName: "sip",
      mailNickname: "sip",
      userPrincipalName: "sip@cust1.customers.example.net",
      passwordProfile: { password: "P@ssw0rd-1!" },
    });
    expect(later.status).toBe(201);
  });
});

describe("Teams number assignment (async operations and rules)", () => {
  it("assigns asynchronously and enforces one user per number and the MCOEV plan", async () => {
    const tenant = emu.state.requireTenant(CONTOSO.id);
    const users = [...tenant.users.values()];
    const phoneUser = users.find((u) => u.userPrincipalName === "user1@contoso.example");
    const other = users.find(
      (u) =>
        u.accountEnabled &&
        !u.isResourceAccount &&
        u.licenses.some((l) => l.skuId === MCOEV) &&
        u !== phoneUser,
    );
    const unlicensed = users.find((u) => u.accountEnabled && u.licenses.length === 0);
    const assign = (target: string | undefined, n: string) =>
      g("POST", `${TNM}/numberAssignments/assignNumber`, {
        telephoneNumber: n,
        assignmentTargetId: target,
        numberType: "directRouting",
      });

    const r = await assign(phoneUser?.id, "+14255550110");
    expect(r.status).toBe(202);
    const location = r.headers.get("location") ?? "";
    expect(location).toMatch(/\/admin\/teams\/telephoneNumberManagement\/operations\('[^']+'\)$/);
    const first = await g("GET", location.slice(location.indexOf("/admin/")));
    expect(["notStarted", "running"]).toContain(first.body.status);
    expect((await waitForOperation(location)).status).toBe("succeeded");

    const taken = await waitForOperation(
      (await assign(other?.id, "+14255550110")).headers.get("location") ?? "",
    );
    expect(taken.status).toBe("failed");
    expect(taken.numbers[0].statusDetail).toContain("already been assigned");

    const nolicence = await waitForOperation(
      (await assign(unlicensed?.id, "+14255550111")).headers.get("location") ?? "",
    );
    expect(nolicence.status).toBe("failed");
    expect(nolicence.numbers[0].statusDetail).toContain("lacks appropriate licenses");

    const filter = encodeURIComponent(`telephoneNumber eq '+14255550110'`);
    const listed = await g("GET", `${TNM}/numberAssignments?$filter=${filter}`);
    expect(listed.body.value).toHaveLength(1);
    expect(listed.body.value[0]).toMatchObject({
      assignmentTargetId: phoneUser?.id,
      assignmentStatus: "userAssigned",
    });
    const config = await g("GET", `/admin/teams/userConfigurations/${phoneUser?.id}`);
    expect(config.body).toMatchObject({
      isEnterpriseVoiceEnabled: true,
      telephoneNumbers: [{ telephoneNumber: "+14255550110", assignmentCategory: "primary" }],
    });

    expect(
      (await g("POST", `${TNM}/numberAssignments/assignNumber`, { telephoneNumber: "+1425" })).status,
    ).toBe(400);
    const top = await g("GET", `${TNM}/numberAssignments?$top=1001`);
    expect(top.status).toBe(400);
  });

  it('updateNumber sets, keeps (null/omitted) and clears ("") fields synchronously', async () => {
    const update = (body: Record<string, unknown>) =>
      g("POST", `${TNM}/numberAssignments/updateNumber`, body);
    const number = () => emu.state.requireTenant(CONTOSO.id).numbers.get("+14255550112");
    expect(
      (await update({ telephoneNumber: "+14255550112", locationId: "loc-1", networkSiteId: "site-1" }))
        .status,
    ).toBe(200);
    expect(number()).toMatchObject({ locationId: "loc-1", networkSiteId: "site-1" });
    await update({ telephoneNumber: "+14255550112", locationId: null, networkSiteId: "" });
    expect(number()).toMatchObject({ locationId: "loc-1", networkSiteId: null });
    expect((await update({ telephoneNumber: "+19999999999", locationId: "x" })).status).toBe(404);
  });

  it("completes operations when the tenant clock is advanced", async () => {
    emu.state.settings.operationDelayMs = 3_600_000;
    const user = [...emu.state.requireTenant(CONTOSO.id).users.values()].find(
      (u) => u.userPrincipalName === "user1@contoso.example",
    );
    const r = await g("POST", `${TNM}/numberAssignments/unassignNumber`, {
      telephoneNumber: "+14255550110",
      numberType: "directRouting",
    });
    const path = (r.headers.get("location") ?? "").slice(
      (r.headers.get("location") ?? "").indexOf("/admin/"),
    );
    expect((await g("GET", path)).body.status).toBe("notStarted");
    const clock = await fetch(`${emu.url}/_emulator/tenants/contoso/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advanceSeconds: 3601 }),
    });
    expect(clock.status).toBe(200);
    // The old token expired on the tenant's clock; a fresh one is issued at the new time.
    expect((await g("GET", path)).status).toBe(401);
    token = await appToken(emu, CONTOSO.id);
    expect((await g("GET", path)).body.status).toBe("succeeded");
    expect(user?.voice.enterpriseVoiceEnabled).toBe(false);
    emu.state.settings.operationDelayMs = 50;
  });

  it("deleting a licensed user frees the licence but keeps the number", async () => {
    const tenant = emu.state.requireTenant(CONTOSO.id);
    const holder = [...tenant.numbers.values()].find(
      (n) => n.assignmentTargetId && n.telephoneNumber !== "+14255550110",
    );
    const consumed = async () =>
      (await g("GET", "/subscribedSkus")).body.value.find((s: { skuId: string }) => s.skuId === MCOEV)
        .consumedUnits as number;
    const before = await consumed();
    expect((await g("DELETE", `/users/${holder?.assignmentTargetId}`)).status).toBe(204);
    expect(await consumed()).toBe(before - 1);
    const listed = await g(
      "GET",
      `${TNM}/numberAssignments?$filter=${encodeURIComponent(`telephoneNumber eq '${holder?.telephoneNumber}'`)}`,
    );
    expect(listed.body.value[0]).toMatchObject({
      assignmentTargetId: holder?.assignmentTargetId,
      assignmentStatus: "userAssigned",
    });
  });

  it("assigns policies through getPolicyId + userAssignments/assign", async () => {
    const user = [...emu.state.requireTenant(CONTOSO.id).users.values()].find(
      (u) => u.userPrincipalName === "user1@contoso.example",
    );
    const id = await g(
      "GET",
      "/admin/teams/policy/getPolicyId(type='TeamsCallingPolicy',name='AllowCalling')",
    );
    expect(id.body.value[0].name).toBe("Tag:AllowCalling");
    const policyId = id.body.value[0].policyId;
    const assign = await g("POST", "/admin/teams/policy/userAssignments/assign", {
      value: [{ userId: user?.id, policyType: "TeamsCallingPolicy", policyId }],
    });
    expect(assign.status).toBe(204);
    const config = await g("GET", `/admin/teams/userConfigurations/${user?.id}`);
    expect(config.body.effectivePolicyAssignments).toContainEqual({
      policyType: "TeamsCallingPolicy",
      policyAssignment: { displayName: "AllowCalling", assignmentType: "direct", policyId, groupId: null },
    });
    const missing = await g("POST", "/admin/teams/policy/userAssignments/assign", {
      value: [
        {
          userId: user?.id,
          policyType: "TeamsCallingPolicy",
          policyId: "00000000-0000-0000-0000-000000000000",
        },
      ],
    });
    expect(missing.status).toBe(400);
  });

  it("denies a tenant's data to tokens from another tenant and to apps without the role", async () => {
    consentDemoApp(emu, FABRIKAM.id);
    emu.state.grantAdminConsent(FABRIKAM.id, "5e1a7c2b-0d3f-4a6e-9b1c-2f8d4e6a0b01").grantedAppRoles = [
      "User.Read.All",
    ];
    const limited = await appToken(emu, FABRIKAM.id);
    const r = await graph(emu, limited, "POST", `${TNM}/numberAssignments/assignNumber`, {});
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("Authorization_RequestDenied");
    const users = await graph(emu, limited, "GET", "/users?$top=1&$select=userPrincipalName");
    expect(users.body.value[0].userPrincipalName).toMatch(/@fabrikam\.example$/);
  });
});

describe("user.mail", () => {
  it("is null without a mailbox (Teams Phone alone), the SMTP address with an Exchange plan", async () => {
    const phoneOnly = await graph(emu, token, "GET", `/users/user1@${CONTOSO.domain}?$select=id,mail`);
    expect(phoneOnly.status).toBe(200);
    expect(phoneOnly.body.mail).toBeNull();
    const e5 = await graph(emu, token, "GET", `/users/admin@${CONTOSO.domain}?$select=id,mail`);
    expect(e5.body.mail).toBe(`admin@${CONTOSO.domain}`);
  });
});
