import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/client.js";
import { auditRepository, recordAudit } from "../src/modules/audit/index.js";
import { userRepository } from "../src/modules/identity/repository.js";
import { portalUsers, sessions } from "../src/modules/identity/schema.js";
import {
  type Account,
  accountRepository,
  type TenantScope,
  tenantScope,
} from "../src/modules/tenancy/index.js";
import { accounts } from "../src/modules/tenancy/schema.js";
import { migratedDatabase } from "./support/database.js";
import { createAccountTree, createSignedInUser } from "./support/factories.js";

/**
 * Every scoped repository method of the account layer (tenancy, identity, audit), called with a foreign
 * scope — a sibling partner's — finds nothing and changes nothing. The same call with the owner's scope
 * finds the row, so an empty answer means "out of scope", not "no data".
 */
let handle: DatabaseHandle;
let tree: Awaited<ReturnType<typeof createAccountTree>>;
let own: TenantScope;
let foreign: TenantScope;
let userId: string;

beforeAll(async () => {
  handle = await migratedDatabase();
  tree = await createAccountTree(handle.db);
  own = tenantScope(tree.partner);
  foreign = tenantScope(tree.sibling);
  userId = (await createSignedInUser(handle.db, tree.enterprise, "Admin")).userId;
  await createSignedInUser(handle.db, tree.enterprise, "Admin");
  await recordAudit(handle.db, { actor: null }, { action: "test.event", accountId: tree.enterprise.id });
});
afterAll(async () => handle?.close());

const accountRow = async (account: Account) =>
  (await handle.db.select().from(accounts).where(eq(accounts.id, account.id)))[0];
const userRow = async (id: string) =>
  (await handle.db.select().from(portalUsers).where(eq(portalUsers.id, id)))[0];
const sessionCount = async (id: string) =>
  (await handle.db.select().from(sessions).where(eq(sessions.userId, id))).length;

describe("tenancy: accountRepository with a foreign scope", () => {
  it("finds, lists, names and counts nothing of another subtree", async () => {
    const repo = accountRepository(handle.db);
    expect(await repo.findWithinScope(own, tree.enterprise.id)).toBeDefined();
    expect(await repo.findWithinScope(foreign, tree.enterprise.id)).toBeUndefined();
    expect(await repo.findWithinScope(foreign, tree.partner.id)).toBeUndefined();

    const ownIds = (await repo.listSwitchable(own, { search: "Enterprise", limit: 50 })).map((r) => r.id);
    expect(ownIds).toContain(tree.enterprise.id);
    const foreignIds = (await repo.listSwitchable(foreign, { search: "Enterprise", limit: 50 })).map(
      (r) => r.id,
    );
    expect(foreignIds).not.toContain(tree.enterprise.id);
    expect(await repo.listSwitchable(foreign, { parentId: tree.partner.id, limit: 50 })).toEqual([]);

    expect((await repo.namesWithinScope(own, [tree.enterprise.id])).get(tree.enterprise.id)).toBe(
      "Enterprise A1",
    );
    expect((await repo.namesWithinScope(foreign, [tree.enterprise.id, tree.partner.id])).size).toBe(0);

    const subPartner = await repo.create({ kind: "partner", name: "Sub-partner A", parent: tree.partner });
    expect((await repo.listChildPartners(own)).map((p) => p.id)).toEqual([subPartner.id]);
    expect(await repo.listChildPartners(foreign)).toEqual([]);

    expect(await repo.countBelow(own, "enterprise")).toBe(1);
    // The sibling counts its own enterprise only, never the partner's.
    expect(await repo.countBelow(foreign, "enterprise")).toBe(1);
    expect(await repo.countBelow(tenantScope(tree.siblingEnterprise), "enterprise")).toBe(0);
  });

  it("locks and changes nothing of another subtree", async () => {
    const repo = accountRepository(handle.db);
    expect(await handle.db.transaction((tx) => repo.lockForUpdate(foreign, tree.enterprise.id, tx))).toBe(
      false,
    );
    expect(await handle.db.transaction((tx) => repo.lockForUpdate(own, tree.enterprise.id, tx))).toBe(true);

    const before = await accountRow(tree.enterprise);
    expect(
      await repo.updateSecurity(foreign, tree.enterprise.id, { requireTwoFactor: true }),
    ).toBeUndefined();
    expect(await accountRow(tree.enterprise)).toEqual(before);
  });
});

describe("identity: userRepository with a foreign scope", () => {
  const enterpriseScope = () => tenantScope(tree.enterprise);
  const siblingEnterprise = () => tenantScope(tree.siblingEnterprise);

  it("finds, lists and counts no user of another account", async () => {
    const users = userRepository(handle.db);
    const user = await userRow(userId);
    expect(await users.findInAccount(enterpriseScope(), userId)).toBeDefined();
    expect(await users.findInAccount(siblingEnterprise(), userId)).toBeUndefined();
    expect(await users.findInAccount(foreign, userId)).toBeUndefined();
    expect((await users.listInAccount(enterpriseScope())).map((u) => u.id)).toContain(userId);
    expect(await users.listInAccount(siblingEnterprise())).toEqual([]);
    expect(await users.emailInAccount(enterpriseScope(), user!.email)).toBe(true);
    expect(await users.emailInAccount(siblingEnterprise(), user!.email)).toBe(false);
    expect(await users.countOtherActiveAdmins(enterpriseScope(), userId)).toBe(1);
    expect(await users.countOtherActiveAdmins(siblingEnterprise(), userId)).toBe(0);
  });

  it("updates, signs out and deletes no user of another account", async () => {
    const users = userRepository(handle.db);
    const before = await userRow(userId);
    expect(await users.updateInAccount(siblingEnterprise(), userId, { name: "Changed" })).toBeUndefined();
    expect(await users.updateInAccount(foreign, userId, { status: "disabled" })).toBeUndefined();
    expect(await userRow(userId)).toEqual(before);

    expect(await sessionCount(userId)).toBe(1);
    expect(await users.revokeSessionsInAccount(siblingEnterprise(), userId)).toBe(0);
    expect(await sessionCount(userId)).toBe(1);

    expect(await users.deleteInAccount(siblingEnterprise(), userId)).toBe(false);
    expect(await users.deleteInAccount(foreign, userId)).toBe(false);
    expect(await userRow(userId)).toEqual(before);
  });
});

describe("audit: auditRepository with a foreign scope", () => {
  it("lists none of another subtree's events", async () => {
    const events = auditRepository(handle.db);
    const list = (scope: TenantScope) => events.list(scope, { includeUnassigned: false, limit: 100 });
    expect((await list(own)).map((e) => e.action)).toContain("test.event");
    expect(await list(foreign)).toEqual([]);
    expect(await list(tenantScope(tree.siblingEnterprise))).toEqual([]);
  });
});
