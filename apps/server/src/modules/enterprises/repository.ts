import { and, asc, count, eq, gte, ilike, or, type SQL, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { afterKeyset, exactTimestamp, keysetOrder } from "../../db/keyset.js";
import {
  type Account,
  accountRepository,
  accounts,
  type TenantScope,
  withinScope,
} from "../tenancy/index.js";
import { type Enterprise, enterprises } from "./schema.js";

export interface ListQuery {
  search?: string;
  sort: "name" | "createdAt" | "status";
  order: "asc" | "desc";
  page: number;
  pageSize: number;
  /** Keyset position (the sort key and id of the last row seen) in this sort and order; `page` is then ignored. */
  after?: { key: string; id: string };
}

export type EnterpriseValues = Omit<typeof enterprises.$inferInsert, "accountId" | "createdAt" | "updatedAt">;

/**
 * Enterprise profiles (and the name and status of their accounts). Every method takes the acting scope:
 * an enterprise outside it is not found and not changed.
 */
export function enterprisesRepository(db: Executor) {
  const inScope = (scope: TenantScope) => withinScope(scope, enterprises.accountId);
  const accountInScope = (scope: TenantScope, id: string) =>
    and(eq(accounts.id, id), withinScope(scope, accounts.id));
  return {
    /** The scope's active enterprises (not being deleted), oldest first: id and name, for the onboarding action items. */
    async listActive(scope: TenantScope, tx: Executor = db) {
      return tx
        .select({ id: accounts.id, name: accounts.name })
        .from(accounts)
        .innerJoin(enterprises, eq(enterprises.accountId, accounts.id))
        .where(and(withinScope(scope, accounts.id), eq(enterprises.lifecycle, "active")))
        .orderBy(asc(accounts.createdAt), asc(accounts.id));
    },

    async find(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(enterprises)
        .where(and(eq(enterprises.accountId, enterpriseAccountId), inScope(scope)));
      return row as Enterprise | undefined;
    },

    /**
     * The enterprise's account and profile, both rows locked until the transaction ends: an update reads the
     * version it checks `If-Match` against here, so two updates of one enterprise run one after the other.
     */
    async lock(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx
        .select({ account: accounts, enterprise: enterprises })
        .from(accounts)
        .innerJoin(enterprises, eq(enterprises.accountId, accounts.id))
        .where(and(accountInScope(scope, enterpriseAccountId), eq(accounts.kind, "enterprise")))
        .for("update");
      return row;
    },

    /** Enterprises below the scope, with search, sort and paging (the account and the profile of each). */
    async list(scope: TenantScope, query: ListQuery, tx: Executor = db) {
      const conditions: SQL[] = [eq(accounts.kind, "enterprise"), withinScope(scope, accounts.id)];
      if (query.search?.trim()) {
        const term = `%${query.search.trim().replace(/[%_\\]/g, "\\$&")}%`;
        conditions.push(
          or(
            ilike(accounts.name, term),
            ilike(enterprises.adminEmail, term),
            ilike(enterprises.billingReference, term),
          )!,
        );
      }
      const where = and(...conditions);
      const sortColumn = { name: accounts.name, createdAt: accounts.createdAt, status: accounts.status }[
        query.sort
      ];
      // The sort key as the cursor carries it: exact text (a timestamp's microseconds, an enum's label).
      const sortKey = {
        name: sql<string>`${accounts.name}`,
        createdAt: exactTimestamp(accounts.createdAt),
        status: sql<string>`${accounts.status}::text`,
      }[query.sort];
      const keys = [sortColumn, accounts.id];
      const rows = await tx
        .select({ account: accounts, enterprise: enterprises, sortKey })
        .from(accounts)
        .innerJoin(enterprises, eq(enterprises.accountId, accounts.id))
        .where(
          query.after ? and(where, afterKeyset(keys, [query.after.key, query.after.id], query.order)) : where,
        )
        .orderBy(...keysetOrder(keys, query.order))
        .limit(query.pageSize + 1)
        .offset(query.after ? 0 : (query.page - 1) * query.pageSize);
      const [total] = await tx
        .select({ n: count() })
        .from(accounts)
        .innerJoin(enterprises, eq(enterprises.accountId, accounts.id))
        .where(where);
      return { total: total?.n ?? 0, rows };
    },

    /** The profile of a new enterprise account, when that account lies within the scope. */
    async insert(
      scope: TenantScope,
      enterpriseAccountId: string,
      values: EnterpriseValues,
      tx: Executor = db,
    ) {
      if (!(await accountRepository(tx).findWithinScope(scope, enterpriseAccountId))) return undefined;
      const [row] = await tx
        .insert(enterprises)
        .values({ accountId: enterpriseAccountId, ...values })
        .returning();
      return row;
    },

    async update(
      scope: TenantScope,
      enterpriseAccountId: string,
      values: Partial<EnterpriseValues>,
      tx: Executor = db,
    ) {
      const [row] = await tx
        .update(enterprises)
        .set({ ...values, updatedAt: new Date() })
        .where(and(eq(enterprises.accountId, enterpriseAccountId), inScope(scope)))
        .returning();
      return row;
    },

    /** The name or status of the enterprise's account. */
    async updateAccount(
      scope: TenantScope,
      enterpriseAccountId: string,
      values: Partial<Pick<Account, "name" | "status">>,
      tx: Executor = db,
    ) {
      const [row] = await tx
        .update(accounts)
        .set({ ...values, updatedAt: new Date() })
        .where(and(accountInScope(scope, enterpriseAccountId), eq(accounts.kind, "enterprise")))
        .returning();
      return row;
    },

    /** Deletes the enterprise's account (its rows cascade); the deletion job's last step. */
    async deleteAccount(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx
        .delete(accounts)
        .where(and(accountInScope(scope, enterpriseAccountId), eq(accounts.kind, "enterprise")))
        .returning();
      return row;
    },
  };
}

export type EnterprisesRepository = ReturnType<typeof enterprisesRepository>;

/** The enterprise's lifecycle (the SBC holds nothing while "deleting"); undefined without a profile or outside `scope`. */
export async function enterpriseLifecycle(
  scope: TenantScope,
  enterpriseAccountId: string,
  tx: Executor,
): Promise<Enterprise["lifecycle"] | undefined> {
  const [row] = await tx
    .select({ lifecycle: enterprises.lifecycle })
    .from(enterprises)
    .where(and(eq(enterprises.accountId, enterpriseAccountId), withinScope(scope, enterprises.accountId)));
  return row?.lifecycle;
}

/**
 * Enterprises whose profile changed at or after `since` (all when null). Unscoped: the SBC's change watch,
 * a platform background loop that only learns ids (each sync then reads within scope).
 */
export async function enterprisesChangedSince(db: Executor, since: Date | null): Promise<string[]> {
  const rows = await db
    .select({ id: enterprises.accountId })
    .from(enterprises)
    .where(since ? gte(enterprises.updatedAt, since) : undefined);
  return rows.map((row) => row.id);
}
