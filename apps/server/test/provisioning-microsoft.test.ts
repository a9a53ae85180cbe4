import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionedUsers, teamsUserSyncs, teamsUsers } from "../src/modules/teams-users/schema.js";
import { accountRepository } from "../src/modules/tenancy/repository.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import {
  apiRequests,
  clearFaults,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  setFaults,
  startEmulator,
} from "./support/onboarding.js";
import { connectedContoso, pwshStandInPath, waitFor } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const CONTOSO = DEMO_TENANTS.contoso;
const MCOEV_SKU = "e43b5b99-8dfb-405f-9987-dc307f34bcbd";

async function allRequests(emulator: StartedEmulator, tenantId: string) {
  const response = await fetch(`${emulator.url}/_emulator/tenants/${tenantId}/requests`);
  const body = (await response.json()) as unknown;
  return (Array.isArray(body) ? body : (body as { requests: unknown[] }).requests) as {
    method: string;
    path: string;
    status: number;
    surface: string;
    query: Record<string, string>;
    body?: unknown;
  }[];
}

describe("Teams user provisioning against the Microsoft 365 emulator", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let env: Record<string, string>;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partner: SignedInUser;
  let customer: SignedInUser;
  let enterpriseId: string;
  let regions: string[];

  beforeAll(async () => {
    emulator = await startEmulator();
    env = { ...emulatorEnv(emulator), PWSH_PATH: pwshStandInPath(), TEAMS_USERS_SYNC_MINUTES: "0" };
    t = await startTestApp(env);
    tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    ({ enterpriseId, regions } = await connectedContoso(t, emulator, tree, operatorAdmin, partner));
    const enterprise = await accountRepository(t.deps.db).findById(enterpriseId);
    customer = await createSignedInUser(t.deps.db, enterprise!, "Admin");
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  const sync = async () => {
    const started = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users/sync`,
      headers: customer.headers,
    });
    expect(started.statusCode).toBe(202);
    return waitFor("sync completed", async () => {
      const [row] = await t.deps.db
        .select()
        .from(teamsUserSyncs)
        .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseId));
      if (row?.status === "failed") throw new Error(row.lastError ?? "sync failed");
      return row?.status === "completed" ? row : null;
    });
  };

  it("first sync pages /users/delta with $top=999 and explains every ineligible user", async () => {
    await fetch(`${emulator.url}/_emulator/tenants/${CONTOSO.id}/users/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: 2100, seed: 7 }),
    });
    const result = await sync();
    const deltaCalls = (await allRequests(emulator, CONTOSO.id)).filter((l) =>
      l.path.includes("/users/delta"),
    );
    expect(deltaCalls.length).toBeGreaterThanOrEqual(3);
    expect(deltaCalls[0]!.query).toMatchObject({ $top: "999" });
    expect(deltaCalls[1]!.query.$skiptoken).toBeTruthy();
    expect(result).toMatchObject({ fullSync: true, pages: deltaCalls.length });
    const rows = await t.deps.db
      .select()
      .from(teamsUsers)
      .where(eq(teamsUsers.enterpriseAccountId, enterpriseId));
    expect(rows.length).toBe(result.usersSeen);
    expect(rows.length).toBeGreaterThan(2100);
    const reasons = new Set(rows.filter((r) => !r.eligible).map((r) => r.ineligibleReason));
    expect(reasons).toContain("No Teams Phone licence");
    expect(reasons).toContain("Account disabled");
    expect(reasons).toContain("Resource account");
    expect(rows.find((r) => r.userPrincipalName === `user1@${CONTOSO.domain}`)?.eligible).toBe(true);
  }, 120_000);

  it("a delta round brings only the changes: added, licence removed, deleted", async () => {
    const api = (await t.deps.microsoft.tenant(CONTOSO.id)).graph.voice;
    const users = await t.deps.db
      .select()
      .from(teamsUsers)
      .where(and(eq(teamsUsers.enterpriseAccountId, enterpriseId), eq(teamsUsers.eligible, true)));
    const [unlicense, remove] = users.filter((u) => !u.userPrincipalName.startsWith("admin@")).slice(-2);
    await api.graph
      .post(`/users/${unlicense!.objectId}/assignLicense`, { addLicenses: [], removeLicenses: [MCOEV_SKU] })
      .catch(() => undefined);
    await api.graph.delete(`/users/${remove!.objectId}`);
    const created = await api.graph.post<{ id: string }>("/users", {
      accountEnabled: true,
      displayName: "New Hire",
      mailNickname: "newhire",
      userPrincipalName: `newhire@${CONTOSO.domain}`,
      usageLocation: "US",
      passwordProfile: { password: "Aa1!aaaaaaaa", forceChangePasswordNextSignIn: true },
    });
    const before = (await apiRequests(emulator, CONTOSO.id)).length;
    const result = await sync();
    const calls = (await allRequests(emulator, CONTOSO.id))
      .filter((l) => l.surface === "graph" || l.surface === "teams-admin")
      .slice(before)
      .filter((l) => l.path.includes("/users/delta"));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query.$deltatoken).toBeTruthy();
    expect(result.fullSync).toBe(false);
    expect(result.usersSeen).toBeLessThanOrEqual(3);
    const get = async (id: string) =>
      (
        await t.deps.db
          .select()
          .from(teamsUsers)
          .where(and(eq(teamsUsers.enterpriseAccountId, enterpriseId), eq(teamsUsers.objectId, id)))
      )[0];
    expect(await get(created.body.id)).toMatchObject({
      userPrincipalName: `newhire@${CONTOSO.domain}`,
      eligible: false,
    });
    expect((await get(remove!.objectId))?.removedAt).toBeInstanceOf(Date);
    const unlicensed = await get(unlicense!.objectId);
    if (unlicensed?.hasTeamsPhone === false)
      expect(unlicensed.ineligibleReason).toBe("No Teams Phone licence");
  }, 60_000);

  it("throttling: a 429 on /users/delta is waited out for Retry-After, then the sync completes", async () => {
    await setFaults(emulator, {
      rules: [{ pathPattern: "*/users/delta*", status: 429, retryAfter: 2, count: 1 }],
    });
    const before = (await apiRequests(emulator, CONTOSO.id)).length;
    const startedAt = Date.now();
    await sync();
    const calls = (await apiRequests(emulator, CONTOSO.id))
      .slice(before)
      .filter((l) => l.path.includes("/users/delta"));
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
    await clearFaults(emulator);
  }, 60_000);

  const addUser = async (index: number, sipUser: string, number: string) => {
    const eligible = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/teams-users/eligible?q=`,
      headers: partner.headers,
    });
    const target = eligible.json()[index] as { objectId: string; userPrincipalName: string };
    const options = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users/form-options`,
        headers: partner.headers,
      })
    ).json();
    const response = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users`,
      headers: partner.headers,
      payload: {
        teamsUserObjectId: target.objectId,
        pbxLocation: options.pbxLocations[0],
        regionId: regions[1],
        sipUser,
        phoneNumber: number,
        disableVoicemail: true,
        assignDialPlan: true,
        devices: [{ authId: `t${sipUser}`, password: "Zx8Kq2Lm" }],
      },
    });
    expect(response.statusCode).toBe(201);
    return { id: response.json().id as string, objectId: target.objectId };
  };
  const userRow = async (id: string) =>
    (await t.deps.db.select().from(provisionedUsers).where(eq(provisionedUsers.id, id)))[0]!;

  it("Add User provisions: number assigned, policy and dial plan granted, voicemail off, state read back", async () => {
    const { id, objectId } = await addUser(0, "2001", "+14255557001");
    const done = await waitFor("provisioned", async () => {
      const row = await userRow(id);
      if (row.status === "failed") throw new Error(row.lastError ?? "failed");
      return row.status === "done" ? row : null;
    });
    expect(done.steps.map((s) => `${s.key}:${s.status}`)).toEqual([
      "assign-number:done",
      "grant-voice-routing-policy:done",
      "grant-dial-plan:done",
      "disable-voicemail:done",
      "verify:done",
    ]);
    expect(done.observed).toMatchObject({ enterpriseVoiceEnabled: true, numbers: ["+14255557001"] });
    expect(done.observed?.policies).toMatchObject({
      OnlineVoiceRoutingPolicy: "s2t-contoso-US-West",
      TenantDialPlan: "s2t-contoso",
    });
    const log = await allRequests(emulator, CONTOSO.id);
    expect(
      log.filter((l) => l.method === "POST" && l.path.endsWith("/numberAssignments/assignNumber")),
    ).toHaveLength(1);
    // The voice routing policy and the dial plan in one assignment (its `value` is a collection).
    const grants = log.filter((l) => l.path.endsWith("/policy/userAssignments/assign"));
    expect(grants).toHaveLength(1);
    expect(JSON.stringify(grants[0]!.body)).toContain("OnlineVoiceRoutingPolicy");
    expect(JSON.stringify(grants[0]!.body)).toContain("TenantDialPlan");
    expect(
      log.some(
        (l) => l.surface === "pwsh" && JSON.stringify(l).includes("Set-CsOnlineVoicemailUserSettings"),
      ),
    ).toBe(true);
    const voicemail = await fetch(`${emulator.url}/_emulator/tenants/${CONTOSO.id}`).then((r) => r.json());
    expect(JSON.stringify(voicemail)).toBeTruthy();
    const row = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users?filter=calling-enabled`,
        headers: customer.headers,
      })
    ).json();
    expect(row.items.map((i: { objectId: string }) => i.objectId)).toContain(objectId);
  }, 60_000);

  it("a number assigned in Microsoft to someone else is a conflict, not overwritten", async () => {
    const { id } = await addUser(0, "2002", "+14255550100");
    const failed = await waitFor("conflict", async () => {
      const row = await userRow(id);
      return row.status === "failed" ? row : null;
    });
    expect(failed.lastError).toContain("already assigned in Microsoft Teams to someone else");
    // No pre-check: assignNumber itself refused it (its operation failed); the number keeps its holder.
    const holder = emulator.state.requireTenant(CONTOSO.id).numbers.get("+14255550100")?.assignmentTargetId;
    expect(holder).toBeTruthy();
    expect(holder).not.toBe(failed.teamsUserObjectId);
    const log = await allRequests(emulator, CONTOSO.id);
    expect(
      log.filter(
        (l) =>
          l.method === "POST" &&
          l.path.endsWith("/numberAssignments/assignNumber") &&
          JSON.stringify(l.body).includes("+14255550100"),
      ),
    ).toHaveLength(1);
  }, 60_000);

  it("Disable Calling unassigns the number before removing the policies", async () => {
    const list = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users?filter=calling-enabled`,
        headers: customer.headers,
      })
    ).json();
    const id = list.items[0].provisioned.id as string;
    const before = (await allRequests(emulator, CONTOSO.id)).length;
    const disable = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users/${id}/disable-calling`,
      headers: customer.headers,
    });
    expect(disable.statusCode).toBe(202);
    const row = await waitFor("disabled", async () => {
      const r = await userRow(id);
      return r.status === "done" && !r.callingEnabled ? r : null;
    });
    expect(row.observed?.numbers).toEqual([]);
    const writes = (await allRequests(emulator, CONTOSO.id))
      .slice(before)
      .filter((l) => l.method === "POST" && l.surface === "graph")
      .map((l) => l.path.split("/").pop());
    // Both policies in one unassignment.
    expect(writes).toEqual(["unassignNumber", "unassign"]);
  }, 60_000);

  it("idempotent across a restart between two steps: the number is assigned exactly once", async () => {
    // The policy grant fails transiently (503 beyond the client's retries): the job is left to pg-boss's retry.
    await setFaults(emulator, {
      rules: [{ pathPattern: "*/policy/userAssignments/assign", status: 503, count: 4 }],
    });
    const { id } = await addUser(1, "2003", "+14255557003");
    await waitFor("number assignment started, policy grant failed, job waiting to retry", async () => {
      const row = await userRow(id);
      return row.steps[0]?.data?.operation && row.steps[1]?.status === "failed" && row.status === "queued"
        ? row
        : null;
    });
    // Stop the whole runtime (HTTP, workers, pool) between the two steps, then boot again on the same database.
    await t.stop();
    await clearFaults(emulator);
    t = await startTestApp({ ...env, DATABASE_URL: t.deps.config.DATABASE_URL! });
    const done = await waitFor("provisioned after the restart, without any action", async () => {
      const row = await userRow(id);
      return row.status === "done" ? row : null;
    });
    expect(done.steps.every((s) => s.status === "done")).toBe(true);
    const assigns = (await allRequests(emulator, CONTOSO.id)).filter(
      (l) =>
        l.method === "POST" &&
        l.path.endsWith("/numberAssignments/assignNumber") &&
        JSON.stringify(l.body).includes("+14255557003"),
    );
    expect(assigns).toHaveLength(1);
  }, 90_000);

  it("a user added before consent waits as pending, then provisioning completes once consent exists", async () => {
    const fabrikamId = await onboardEnterprise(t, tree.partner, partner, regions, "fabrikam");
    const options = (
      await t.app.inject({
        url: `/api/accounts/${fabrikamId}/teams-users/form-options`,
        headers: partner.headers,
      })
    ).json();
    expect(options.connected).toBe(false);
    const added = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${fabrikamId}/teams-users`,
      headers: partner.headers,
      payload: {
        teamsUserPrincipalName: `user1@${DEMO_TENANTS.fabrikam.domain}`,
        pbxLocation: options.pbxLocations[0],
        regionId: regions[0],
        sipUser: "3001",
        phoneNumber: "+442071839001",
        devices: [{ authId: "f3001", password: "Qw3rTy89" }],
      },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ status: "pending-consent" });
    const id = added.json().id as string;
    const dashboard = await t.app.inject({
      url: `/api/accounts/${fabrikamId}/dashboard`,
      headers: partner.headers,
    });
    expect(dashboard.json().actionItems.map((i: { key: string }) => i.key)).toContain(
      "users-pending-consent",
    );

    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${fabrikamId}/microsoft/connect`,
      headers: partner.headers,
    });
    await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${DEMO_TENANTS.fabrikam.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    await waitFor("fabrikam setup", async () => {
      const body = (
        await t.app.inject({
          url: `/api/accounts/${fabrikamId}/direct-routing-setup`,
          headers: partner.headers,
        })
      ).json();
      return body.status === "completed";
    });
    // The schedule resumes waiting users every minute; the Sync Teams Users button does it at once.
    const sync = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${fabrikamId}/teams-users/sync`,
      headers: partner.headers,
    });
    expect(sync.statusCode).toBe(202);
    const done = await waitFor("provisioned after consent", async () => {
      const row = await userRow(id);
      if (row.status === "failed") throw new Error(row.lastError ?? "failed");
      return row.status === "done" ? row : null;
    });
    expect(done.teamsUserObjectId).not.toMatch(/^pending:/);
    expect(done.observed).toMatchObject({ enterpriseVoiceEnabled: true, numbers: ["+442071839001"] });
  }, 120_000);

  it("removing an enabled user deprovisions in the safe order (number, then policies), then deletes it", async () => {
    const [row] = await t.deps.db
      .select()
      .from(provisionedUsers)
      .where(eq(provisionedUsers.phoneNumber, "+14255557003"));
    expect(row?.status).toBe("done");
    const before = (await allRequests(emulator, CONTOSO.id)).length;
    const removed = await t.app.inject({
      method: "DELETE",
      url: `/api/accounts/${enterpriseId}/teams-users/${row!.id}`,
      headers: customer.headers,
    });
    expect(removed.json()).toEqual({ deleted: false });
    await waitFor(
      "deleted",
      async () =>
        (await t.deps.db.select().from(provisionedUsers).where(eq(provisionedUsers.id, row!.id))).length ===
        0,
    );
    const writes = (await allRequests(emulator, CONTOSO.id))
      .slice(before)
      .filter((l) => l.method === "POST" && l.surface === "graph")
      .map((l) => l.path.split("/").pop());
    // Both policies in one unassignment.
    expect(writes).toEqual(["unassignNumber", "unassign"]);
  }, 60_000);

  it("assignNumber before Teams provisioned a newly licensed user waits for Microsoft, then completes on its own", async () => {
    const eligible = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users/eligible?q=`,
        headers: partner.headers,
      })
    ).json() as { objectId: string }[];
    const index = eligible.length - 1;
    // The user's Teams Phone licence was assigned just now: Teams provisions it within 30 minutes (emulator clock).
    const tenant = emulator.state.requireTenant(CONTOSO.id);
    const target = tenant.users.get(eligible[index]!.objectId)!;
    for (const licence of target.licenses)
      licence.assignedDateTime = new Date(emulator.state.now(CONTOSO.id)).toISOString();
    await fetch(`${emulator.url}/_emulator/settings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ timeFactor: 1, teamsProvisioningMs: 1800_000 }),
    });
    try {
      const { id } = await addUser(index, "2077", "+14255557077");
      const waiting = await waitFor("the number step waiting for Teams provisioning", async () => {
        const row = await userRow(id);
        if (row.status === "failed") throw new Error(row.lastError ?? "failed");
        const step = row.steps.find((s) => s.key === "assign-number");
        return step?.data?.waiting ? { row, step } : null;
      });
      expect(waiting.row.status).toBe("queued");
      expect(waiting.step.error).toBe("Waiting for Microsoft: Teams provisioning of the user");
      expect(waiting.step.data?.waiting).toMatchObject({
        what: "Teams provisioning of the user",
        usualDelaySeconds: 1800,
        maxDelaySeconds: 86_400,
      });

      // The user page's API shows the wait.
      const shown = (
        await t.app.inject({
          url: `/api/accounts/${enterpriseId}/teams-users/${id}`,
          headers: partner.headers,
        })
      ).json();
      expect(
        shown.steps.find((s: { key: string }) => s.key === "assign-number").waitingForMicrosoft,
      ).toMatchObject({ what: "Teams provisioning of the user", maxDelaySeconds: 86_400 });

      // "Check now": with the next check an hour away (as after many checks), the job checks at once.
      const key = `provision:${id}`;
      await waitFor("the user's next check queued, moved an hour away", async () => {
        const pushed = await t.deps.db.execute(
          sql`update pgboss.job set start_after = now() + interval '1 hour' where name = 'teams-users.provision' and singleton_key = ${key} and state in ('created', 'retry') returning id`,
        );
        return pushed.rows.length === 1 ? true : null;
      });
      const checksOf = async () =>
        Number(
          (
            (await userRow(id)).steps.find((s) => s.key === "assign-number")!.data!.waiting as {
              checks: number;
            }
          ).checks,
        );
      const checksBefore = await checksOf();
      const checkNow = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${enterpriseId}/teams-users/${id}/check-now`,
        headers: partner.headers,
      });
      expect(checkNow.statusCode).toBe(202);
      await waitFor("a check at once, still waiting", async () =>
        (await checksOf()) > checksBefore ? true : null,
      );

      emulator.state.advanceClock(CONTOSO.id, 1800_000);
      const done = await waitFor("provisioned after Teams provisioning", async () => {
        const row = await userRow(id);
        if (row.status === "failed") throw new Error(row.lastError ?? "failed");
        return row.status === "done" ? row : null;
      });
      expect(done.steps.find((s) => s.key === "assign-number")?.data?.waiting).toBeUndefined();
      expect(tenant.numbers.get("+14255557077")?.assignmentTargetId).toBe(target.id);
      // Nothing waits any more: Check now is refused.
      const nothingWaits = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${enterpriseId}/teams-users/${id}/check-now`,
        headers: partner.headers,
      });
      expect(nothingWaits.statusCode).toBe(409);
    } finally {
      await fetch(`${emulator.url}/_emulator/settings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ timeFactor: 0 }),
      });
    }
  }, 90_000);

  it("an sfbOnPremUser user cannot be enabled: shown ineligible with the reason, no number assigned", async () => {
    const eligible = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users/eligible?q=`,
        headers: partner.headers,
      })
    ).json() as { objectId: string }[];
    const index = eligible.length - 2;
    const tenant = emulator.state.requireTenant(CONTOSO.id);
    const target = tenant.users.get(eligible[index]!.objectId)!;
    target.teamsAccountType = "sfbOnPremUser";
    const { id } = await addUser(index, "2088", "+14255557088");
    const failed = await waitFor("provisioning refused", async () => {
      const row = await userRow(id);
      return row.status === "failed" ? row : null;
    });
    expect(failed.lastError).toMatch(/Skype for Business Server on premises \(accountType sfbOnPremUser\)/);
    expect(tenant.numbers.get("+14255557088")?.assignmentTargetId ?? null).toBeNull();
    const [teamsUser] = await t.deps.db
      .select()
      .from(teamsUsers)
      .where(and(eq(teamsUsers.enterpriseAccountId, enterpriseId), eq(teamsUsers.objectId, target.id)));
    expect(teamsUser).toMatchObject({
      eligible: false,
      ineligibleReason: expect.stringContaining("sfbOnPremUser"),
    });
  }, 90_000);
});
