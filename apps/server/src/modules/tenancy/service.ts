import { and, asc, count, eq, gt, ilike, like, ne, or, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { Problem } from "../../http/problem.js";
import { hasUnstorableCharacters } from "../../http/schema-primitives.js";
import { type AuditContext, recordAudit } from "../audit/repository.js";
import { accountRepository } from "./repository.js";
import { type Account, accounts } from "./schema.js";

export interface SwitchableQuery {
  /** List the children of this account (a tree level); defaults to the scope account itself. */
  parentId?: string;
  /** Search the whole subtree by name instead (a flat list with each match's ancestors). */
  search?: string;
  cursor?: string;
  limit?: number;
}

const encode = (name: string, id: string) => Buffer.from(JSON.stringify([name, id])).toString("base64url");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A cursor of this listing, or null when it was not made by `encode` (the route refuses it with 400). */
export function decodeSwitchableCursor(cursor: string): [string, string] | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString());
    return Array.isArray(value) &&
      typeof value[0] === "string" &&
      typeof value[1] === "string" &&
      !hasUnstorableCharacters(value[0]) &&
      UUID.test(value[1])
      ? [value[0], value[1]]
      : null;
  } catch {
    return null;
  }
}

/**
 * The accounts a user can switch into: the subtree below `scope`. Browsed level by level
 * (`parentId`), or searched by name across the whole subtree; keyset-paginated by name.
 */
export async function listSwitchableAccounts(db: Executor, scope: Account, query: SwitchableQuery) {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const conditions = [like(accounts.path, `${scope.path}%`), ne(accounts.id, scope.id)];
  const search = query.search?.trim();
  if (search) {
    conditions.push(ilike(accounts.name, `%${search.replace(/[%_\\]/g, "\\$&")}%`));
  } else {
    const parentId = query.parentId ?? scope.id;
    if (parentId !== scope.id && !(await accountRepository(db).findWithinScope(scope, parentId))) {
      throw Problem.notFound("No such account.");
    }
    conditions.push(eq(accounts.parentId, parentId));
  }
  const cursor = query.cursor ? decodeSwitchableCursor(query.cursor) : null;
  if (cursor)
    conditions.push(
      or(gt(accounts.name, cursor[0]), and(eq(accounts.name, cursor[0]), gt(accounts.id, cursor[1])))!,
    );
  const children = db.$with("children").as(
    db
      .select({ parentId: accounts.parentId, n: count().as("n") })
      .from(accounts)
      .groupBy(accounts.parentId),
  );
  const rows = await db
    .with(children)
    .select({
      id: accounts.id,
      name: accounts.name,
      kind: accounts.kind,
      status: accounts.status,
      parentId: accounts.parentId,
      path: accounts.path,
      childCount: sql<number>`coalesce(${children.n}, 0)::int`,
    })
    .from(accounts)
    .leftJoin(children, eq(children.parentId, accounts.id))
    .where(and(...conditions))
    .orderBy(asc(accounts.name), asc(accounts.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);

  // Names of the ancestors between the scope and each item, for breadcrumbs in search results.
  const ancestorIds = new Set<string>();
  for (const row of page) {
    for (const id of row.path.slice(scope.path.length).split("/").filter(Boolean).slice(0, -1))
      ancestorIds.add(id);
  }
  const names = new Map<string, string>();
  if (ancestorIds.size > 0) {
    const ancestors = await db
      .select({ id: accounts.id, name: accounts.name })
      .from(accounts)
      .where(
        sql`${accounts.id} in (${sql.join(
          [...ancestorIds].map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
      );
    for (const a of ancestors) names.set(a.id, a.name);
  }
  return {
    items: page.map((row) => ({
      id: row.id,
      name: row.name,
      kind: row.kind,
      status: row.status,
      parentId: row.parentId,
      childCount: row.childCount,
      ancestors: row.path
        .slice(scope.path.length)
        .split("/")
        .filter(Boolean)
        .slice(0, -1)
        .map((id) => ({ id, name: names.get(id) ?? "" })),
    })),
    nextCursor: rows.length > limit ? encode(page[page.length - 1]!.name, page[page.length - 1]!.id) : null,
  };
}

/** Direct child partners of an account, with how many accounts sit below each. */
export async function listPartners(db: Executor, parent: Account) {
  const rows = await db
    .select({
      id: accounts.id,
      name: accounts.name,
      status: accounts.status,
      createdAt: accounts.createdAt,
      path: accounts.path,
    })
    .from(accounts)
    .where(and(eq(accounts.parentId, parent.id), eq(accounts.kind, "partner")))
    .orderBy(asc(accounts.name));
  return rows;
}

/** Account-level security settings (an Admin may require two-factor authentication for all users). */
export async function updateSecuritySettings(
  db: Executor,
  account: Account,
  input: { requireTwoFactor: boolean },
  context: AuditContext,
) {
  if (account.requireTwoFactor === input.requireTwoFactor) return account;
  const [updated] = await db
    .update(accounts)
    .set({ requireTwoFactor: input.requireTwoFactor, updatedAt: new Date() })
    .where(eq(accounts.id, account.id))
    .returning();
  await recordAudit(db, context, {
    action: "account.security-changed",
    accountId: account.id,
    targetType: "account",
    targetId: account.id,
    before: { requireTwoFactor: account.requireTwoFactor },
    after: { requireTwoFactor: input.requireTwoFactor },
  });
  return updated!;
}
