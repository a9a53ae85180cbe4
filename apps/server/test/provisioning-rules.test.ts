import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { provisionedUsers, sipDevices } from "../src/modules/teams-users/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { enterpriseWithSyncedUsers } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

describe("Add User rules, devices and the Users page (no Microsoft connection: users wait for consent)", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partner: SignedInUser;
  let seeded: Awaited<ReturnType<typeof enterpriseWithSyncedUsers>>;

  beforeAll(async () => {
    t = await startTestApp({ TEAMS_USERS_SYNC_MINUTES: "0" });
    tree = await createAccountTree(t.deps.db);
    partner = await createSignedInUser(t.deps.db, tree.partner, "User");
    seeded = await enterpriseWithSyncedUsers(t.deps.db, tree.enterprise, 120);
  });
  afterAll(async () => t?.stop());

  const add = (body: Record<string, unknown>, who = partner) =>
    t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/teams-users`,
      headers: who.headers,
      payload: body,
    });
  const input = (i: number, extra: Record<string, unknown> = {}) => ({
    teamsUserObjectId: seeded.users[i]!.objectId,
    pbxLocation: "PBX",
    regionId: seeded.region.id,
    sipUser: `10${i}`,
    phoneNumber: `+1425555${String(1000 + i)}`,
    disableVoicemail: true,
    assignDialPlan: true,
    devices: [{ authId: `dev${i}`, password: "Abc12345" }],
    ...extra,
  });

  it("adds a user from the partner portal; without consent it waits as pending, devices sealed", async () => {
    const created = await add(input(0));
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      status: "pending-consent",
      sipUser: "100",
      phoneNumber: "+14255551000",
    });
    const [device] = await t.deps.db
      .select()
      .from(sipDevices)
      .where(eq(sipDevices.provisionedUserId, created.json().id));
    expect(device!.passwordSealed).not.toContain("Abc12345");
    expect(device!.passwordSealed.startsWith("v1.")).toBe(true);

    const reveal = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/teams-users/${created.json().id}/devices/${device!.id}/reveal`,
      headers: partner.headers,
    });
    expect(reveal.json()).toEqual({ password: "Abc12345" });
    const audits = await t.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "sip-device.reveal-password"));
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits[0])).not.toContain("Abc12345");

    const dashboard = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/dashboard`,
      headers: partner.headers,
    });
    expect(dashboard.json().actionItems.map((i: { key: string }) => i.key)).toContain(
      "users-pending-consent",
    );
  });

  it("refuses a duplicate SIP user and a duplicate number, naming the fields", async () => {
    const sameSip = await add(input(1, { sipUser: "100" }));
    expect(sameSip.statusCode).toBe(409);
    expect(sameSip.json().errors).toEqual([
      { field: "sipUser", message: expect.stringContaining("already assigned to user00000@contoso.example") },
    ]);
    const sameNumber = await add(input(1, { phoneNumber: "+1 425 555 1000" }));
    expect(sameNumber.statusCode).toBe(409);
    expect(sameNumber.json().errors).toEqual([
      { field: "phoneNumber", message: expect.stringContaining("+14255551000 is already assigned") },
    ]);
    const sameDevice = await add(input(1, { devices: [{ authId: "dev0", password: "Abc12345" }] }));
    expect(sameDevice.statusCode).toBe(409);
    expect(sameDevice.json().errors[0].field).toBe("devices.0.authId");
    expect(await t.deps.db.select().from(provisionedUsers)).toHaveLength(1);
  });

  it("validates the number, the password rule and the Teams user's eligibility", async () => {
    const bad = await add(
      input(9, { phoneNumber: "12345", devices: [{ authId: "x9", password: "abc!defg" }] }),
    );
    expect(bad.statusCode).toBe(400);
    const fields = bad
      .json()
      .errors.map((e: { field: string }) => e.field)
      .sort();
    expect(fields).toEqual(["devices.0.password", "phoneNumber", "teamsUserObjectId"]);
    const generated = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users/generate-password`,
      headers: partner.headers,
    });
    expect(generated.json().password).toMatch(/^[A-Za-z0-9]{20}$/);
  });

  it("Add User lists PBX Locations by the PBX's name (guide 002 4.1)", async () => {
    const options = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users/form-options`,
      headers: partner.headers,
    });
    expect(options.json().pbxLocationOptions).toEqual([{ value: "PBX", label: "pbx.example.test" }]);
  });

  it("the Users page sorts by the name it shows", async () => {
    const first = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users?pageSize=5`,
      headers: partner.headers,
    });
    expect(first.json().items.map((i: { displayName: string }) => i.displayName)).toEqual([
      "User 0",
      "User 1",
      "User 10",
      "User 100",
      "User 101",
    ]);
  });

  it("the Users page searches, filters and pages on the server; the export is CSV", async () => {
    const page = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users?pageSize=25&page=2`,
      headers: partner.headers,
    });
    expect(page.json()).toMatchObject({ total: 120, page: 2, pageSize: 25 });
    expect(page.json().items).toHaveLength(25);
    const first = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users?pageSize=5`,
      headers: partner.headers,
    });
    expect(first.json().items[0].provisioned).toMatchObject({ sipUser: "100", status: "pending-consent" });
    const ineligible = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users?filter=ineligible`,
      headers: partner.headers,
    });
    expect(ineligible.json().total).toBe(12);
    expect(ineligible.json().items[0].ineligibleReason).toBe("No Teams Phone licence");
    const search = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users?search=user0011`,
      headers: partner.headers,
    });
    expect(search.json().items.map((i: { userPrincipalName: string }) => i.userPrincipalName)).toEqual(
      Array.from({ length: 10 }, (_, i) => `user0011${i}@contoso.example`),
    );
    const eligible = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users/eligible?q=user0000`,
      headers: partner.headers,
    });
    expect(eligible.json().map((u: { userPrincipalName: string }) => u.userPrincipalName)).not.toContain(
      "user00000@contoso.example",
    );
    const csv = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users/export.csv`,
      headers: partner.headers,
    });
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body.split("\r\n")[0]).toContain("Teams User,Display Name");
    expect(csv.body.split("\r\n").filter(Boolean)).toHaveLength(121);
  });

  it("another partner cannot see the enterprise's users", async () => {
    const stranger = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
    const response = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users`,
      headers: stranger.headers,
    });
    expect(response.statusCode).toBe(404);
  });
});
