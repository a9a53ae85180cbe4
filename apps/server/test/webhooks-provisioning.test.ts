import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionedUsers, teamsUserSyncs } from "../src/modules/teams-users/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { emulatorEnv, startEmulator } from "./support/onboarding.js";
import { connectedContoso, pwshStandInPath, waitFor } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/** Issue 15 scope 3: provisioning emits user.provisioned, user.failed and user.deprovisioned, delivered to the partner. */
describe("Webhook events from Teams user provisioning", () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let t: TestApp;
  let partner: SignedInUser;
  let enterpriseId: string;
  let regions: string[];
  const bodies: { type: string; data: Record<string, unknown> }[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      bodies.push(JSON.parse(body));
      response.writeHead(200).end();
    });
  });

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp({
      ...emulatorEnv(emulator),
      PWSH_PATH: pwshStandInPath(),
      TEAMS_USERS_SYNC_MINUTES: "0",
      WEBHOOKS_ALLOW_PRIVATE: "loopback",
    });
    const tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    ({ enterpriseId, regions } = await connectedContoso(t, emulator, tree, operatorAdmin, partner));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const added = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/webhooks`,
      headers: partner.headers,
      payload: {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        eventTypes: ["user.provisioned", "user.failed", "user.deprovisioned"],
      },
    });
    expect(added.statusCode, added.body).toBe(201);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
    server.close();
  });

  const event = (type: string, userId: string) =>
    waitFor(`${type} for ${userId}`, async () =>
      bodies.find((b) => b.type === type && b.data.userId === userId),
    );

  it("Add User that finishes emits user.provisioned; removing it emits user.deprovisioned", async () => {
    const started = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users/sync`,
      headers: partner.headers,
    });
    expect(started.statusCode).toBe(202);
    await waitFor("sync completed", async () => {
      const [row] = await t.deps.db
        .select()
        .from(teamsUserSyncs)
        .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseId));
      return row?.status === "completed";
    });
    const eligible = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/teams-users/eligible?q=`,
      headers: partner.headers,
    });
    const target = eligible.json()[0] as { objectId: string; userPrincipalName: string };
    const options = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users/form-options`,
        headers: partner.headers,
      })
    ).json();
    const created = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users`,
      headers: partner.headers,
      payload: {
        teamsUserObjectId: target.objectId,
        pbxLocation: options.pbxLocations[0],
        regionId: regions[1],
        sipUser: "3001",
        phoneNumber: "+14255557301",
        disableVoicemail: true,
        assignDialPlan: true,
        devices: [],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const provisioned = await event("user.provisioned", id);
    expect(provisioned.data).toEqual({
      enterpriseId,
      userId: id,
      userPrincipalName: target.userPrincipalName,
    });

    const removed = await t.app.inject({
      method: "DELETE",
      url: `/api/accounts/${enterpriseId}/teams-users/${id}`,
      headers: partner.headers,
    });
    expect(removed.statusCode, removed.body).toBeLessThan(300);
    await event("user.deprovisioned", id);
  }, 180_000);

  it("a user typed by an address Microsoft does not know fails with user.failed and the reason", async () => {
    const [user] = await t.deps.db
      .insert(provisionedUsers)
      .values({
        enterpriseAccountId: enterpriseId,
        teamsUserObjectId: "pending:nobody@contoso.example",
        userPrincipalName: "nobody@contoso.example",
        pbxLocation: "HQ",
        regionId: regions[1]!,
        sipUser: "3002",
        phoneNumber: "+14255557302",
        callingEnabled: true,
        status: "failed",
      })
      .returning();
    const retried = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users/${user!.id}/retry`,
      headers: partner.headers,
    });
    expect(retried.statusCode, retried.body).toBeLessThan(300);
    const failed = await event("user.failed", user!.id);
    expect(failed.data).toMatchObject({ userPrincipalName: "nobody@contoso.example" });
    expect(String(failed.data.error)).toContain("There is no user nobody@contoso.example");
  }, 120_000);
});
