import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/client.js";
import { portalUsers } from "../src/modules/identity/schema.js";
import { scopeAccountWithin, tenantScope, withinScope } from "../src/modules/tenancy/index.js";
import { accounts } from "../src/modules/tenancy/schema.js";
import { migratedDatabase } from "./support/database.js";
import { createAccountTree, createSignedInUser } from "./support/factories.js";

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await migratedDatabase();
});
afterAll(async () => handle?.close());

describe("withinScope", () => {
  it("matches the scope's account and its descendants, never a parent or a sibling", async () => {
    const { db } = handle;
    const tree = await createAccountTree(db);
    const ids = async (scopeAccount: { id: string; path: string }) =>
      (
        await db
          .select({ id: accounts.id })
          .from(accounts)
          .where(withinScope(tenantScope(scopeAccount), accounts.id))
      )
        .map((r) => r.id)
        .sort();

    expect(await ids(tree.partner)).toEqual([tree.partner.id, tree.enterprise.id].sort());
    expect(await ids(tree.enterprise)).toEqual([tree.enterprise.id]);
    expect(await ids(tree.sibling)).toEqual([tree.sibling.id, tree.siblingEnterprise.id].sort());
    expect(await ids(tree.operator)).toEqual(
      [
        tree.operator.id,
        tree.partner.id,
        tree.enterprise.id,
        tree.sibling.id,
        tree.siblingEnterprise.id,
      ].sort(),
    );
  });

  it("filters another table's account id column the same way", async () => {
    const { db } = handle;
    const tree = await createAccountTree(db);
    const parentUser = await createSignedInUser(db, tree.operator);
    const childUser = await createSignedInUser(db, tree.enterprise);
    const siblingUser = await createSignedInUser(db, tree.siblingEnterprise);
    const visible = async (userId: string) =>
      (
        await db
          .select({ id: portalUsers.id })
          .from(portalUsers)
          .where(
            and(eq(portalUsers.id, userId), withinScope(tenantScope(tree.partner), portalUsers.accountId)),
          )
      ).length === 1;

    expect(await visible(childUser.userId)).toBe(true);
    expect(await visible(parentUser.userId)).toBe(false);
    expect(await visible(siblingUser.userId)).toBe(false);
  });

  it("does not widen the match for a path holding LIKE wildcards", async () => {
    const { db } = handle;
    await createAccountTree(db);
    const rows = await db
      .select({ id: accounts.id })
      .from(accounts)
      .where(withinScope({ accountId: crypto.randomUUID(), path: "/%" }, accounts.id));
    expect(rows).toEqual([]);
  });
});

describe("scopeAccountWithin", () => {
  it("holds for a scope whose own account lies in its path, and for no forged scope", async () => {
    const { db } = handle;
    const tree = await createAccountTree(db);
    const holds = async (scope: { accountId: string; path: string }) =>
      (
        await db
          .select({ id: accounts.id })
          .from(accounts)
          .where(and(eq(accounts.id, scope.accountId), scopeAccountWithin(scope)))
      ).length === 1;

    expect(await holds(tenantScope(tree.enterprise))).toBe(true);
    expect(await holds(tenantScope(tree.partner))).toBe(true);
    // A scope naming an account outside its path (a sibling's enterprise under the partner's path) fails.
    expect(await holds({ accountId: tree.siblingEnterprise.id, path: tree.partner.path })).toBe(false);
    expect(await holds({ accountId: tree.enterprise.id, path: "/%" })).toBe(false);
  });
});
