import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { phoneNumbers } from "../src/modules/numbers/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { enterpriseWithSyncedUsers } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

describe("number inventory: upload, allocate, assign, release into quarantine", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partner: SignedInUser;
  let customer: SignedInUser;
  let seeded: Awaited<ReturnType<typeof enterpriseWithSyncedUsers>>;

  beforeAll(async () => {
    t = await startTestApp({ TEAMS_USERS_SYNC_MINUTES: "0", NUMBER_QUARANTINE_DAYS: "30" });
    tree = await createAccountTree(t.deps.db);
    partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    customer = await createSignedInUser(t.deps.db, tree.enterprise, "Admin");
    seeded = await enterpriseWithSyncedUsers(t.deps.db, tree.enterprise, 5);
  });
  afterAll(async () => t?.stop());

  const state = async (number: string) =>
    (await t.deps.db.select().from(phoneNumbers).where(eq(phoneNumbers.number, number)))[0];

  it("a partner uploads a range and a CSV; bad lines refuse the whole CSV with line numbers", async () => {
    const range = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/numbers`,
      headers: partner.headers,
      payload: { first: "+14255552000", last: "+14255552019" },
    });
    expect(range.json()).toEqual({ added: 20, alreadyKnown: [] });
    const csv = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/numbers`,
      headers: partner.headers,
      payload: { csv: "number\n+14255552019\n+14255552100\n" },
    });
    expect(csv.json()).toEqual({ added: 1, alreadyKnown: ["+14255552019"] });
    const bad = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/numbers`,
      headers: partner.headers,
      payload: { csv: "+14255552200\n12345\n" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      { field: "csv.2", message: 'Line 2: "12345" is not a valid E.164 number.' },
    ]);
    expect(await state("+14255552200")).toBeUndefined();
    const enterpriseUpload = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/numbers`,
      headers: customer.headers,
      payload: { first: "+14255552300", last: "+14255552301" },
    });
    expect(enterpriseUpload.statusCode).toBe(403);
  });

  it("allocates a block to an enterprise it manages, never to another partner's", async () => {
    const allocate = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/numbers/allocate`,
      headers: partner.headers,
      payload: { enterpriseAccountId: tree.enterprise.id, first: "+14255552000", last: "+14255552009" },
    });
    expect(allocate.json()).toEqual({ allocated: 10, refused: [] });
    const foreign = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/numbers/allocate`,
      headers: partner.headers,
      payload: { enterpriseAccountId: tree.siblingEnterprise.id, first: "+14255552010" },
    });
    expect(foreign.statusCode).toBe(400);
    const list = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/numbers?state=available`,
      headers: customer.headers,
    });
    expect(list.json().total).toBe(10);
    const offered = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users/available-numbers?prefix=%2B1425555200`,
      headers: customer.headers,
    });
    expect(offered.json()).toHaveLength(10);
  });

  it("Add User assigns an inventory number; removing the user quarantines it; other customers' numbers are refused", async () => {
    const add = (i: number, number: string) =>
      t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.enterprise.id}/teams-users`,
        headers: customer.headers,
        payload: {
          teamsUserObjectId: seeded.users[i]!.objectId,
          pbxLocation: "PBX",
          regionId: seeded.region.id,
          sipUser: `40${i}`,
          phoneNumber: number,
          devices: [],
        },
      });
    const created = await add(0, "+14255552000");
    expect(created.statusCode).toBe(201);
    expect(await state("+14255552000")).toMatchObject({
      state: "assigned",
      provisionedUserId: created.json().id,
    });
    const notOurs = await add(1, "+14255552015"); // the partner's, not allocated to this enterprise
    expect(notOurs.statusCode).toBe(409);
    expect(notOurs.json().errors).toEqual([
      { field: "phoneNumber", message: "This number belongs to another customer." },
    ]);

    const removed = await t.app.inject({
      method: "DELETE",
      url: `/api/accounts/${tree.enterprise.id}/teams-users/${created.json().id}`,
      headers: customer.headers,
    });
    expect(removed.json()).toEqual({ deleted: true });
    const released = await state("+14255552000");
    expect(released?.state).toBe("quarantined");
    expect(released!.quarantinedUntil!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const again = await add(2, "+14255552000");
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].message).toMatch(/^In quarantine until/);
  });
});
