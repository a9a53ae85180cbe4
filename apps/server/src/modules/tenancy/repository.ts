import { and, asc, count, eq, gt, ilike, inArray, ne, or, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { afterKeyset, keysetOrder } from "../../db/keyset.js";
import { childPath } from "./policies.js";
import { type Account, accounts } from "./schema.js";
import { type TenantScope, withinScope } from "./scope.js";

export interface SwitchableRow {
  id: string;
  name: string;
  kind: Account["kind"];
  status: Account["status"];
  parentId: string | null;
  path: string;
  childCount: number;
}

export interface SwitchableFilter {
  /** The children of this account (one tree level), or, with `search`, the whole subtree. */
  parentId?: string;
  /** A name fragment, matched case-insensitively across the subtree below the scope. */
  search?: string;
  /** Keyset position: rows after this (name, id). */
  after?: [string, string];
  limit: number;
}

const escapeLike = (value: string) => value.replace(/[%_\\]/g, "\\$&");

/**
 * Accounts, read and changed within a scope (the acting account and everything below it). `findById` and
 * `findOperator` are the unscoped exceptions: the access gate resolving `:accountId` before it checks
 * reach, a session resolving its own account, and the operator bootstrap.
 */
export function accountRepository(db: Executor) {
  return {
    /** Unscoped: only for the access gate and a session's own account; everyone else uses `findWithinScope`. */
    async findById(id: string, tx: Executor = db): Promise<Account | undefined> {
      const [row] = await tx.select().from(accounts).where(eq(accounts.id, id));
      return row;
    },

    async findWithinScope(
      scope: Pick<TenantScope, "path">,
      id: string,
      tx: Executor = db,
    ): Promise<Account | undefined> {
      const [row] = await tx
        .select()
        .from(accounts)
        .where(and(eq(accounts.id, id), withinScope({ accountId: "", path: scope.path }, accounts.id)));
      return row;
    },

    /** A new account: the root operator (no parent) or a child of `parent`. */
    async create(
      input: { kind: Account["kind"]; name: string; parent: Account | null },
      tx: Executor = db,
    ): Promise<Account> {
      const id = crypto.randomUUID();
      const path = input.parent ? childPath(input.parent, id) : `/${id}/`;
      const [row] = await tx
        .insert(accounts)
        .values({ id, kind: input.kind, name: input.name, parentId: input.parent?.id ?? null, path })
        .returning();
      return row!;
    },

    /** Unscoped: whether the portal has its operator yet (bootstrap). */
    async findOperator(tx: Executor = db): Promise<Account | undefined> {
      const [row] = await tx.select().from(accounts).where(eq(accounts.kind, "operator")).limit(1);
      return row;
    },

    /** Locks the account row (within the scope) until the transaction ends; false when it is out of scope. */
    async lockForUpdate(scope: TenantScope, id: string, tx: Executor = db): Promise<boolean> {
      const rows = await tx
        .select({ id: accounts.id })
        .from(accounts)
        .where(and(eq(accounts.id, id), withinScope(scope, accounts.id)))
        .for("update");
      return rows.length === 1;
    },

    /** Account-level security settings; undefined when the account is not within the scope. */
    async updateSecurity(
      scope: TenantScope,
      id: string,
      values: { requireTwoFactor: boolean },
      tx: Executor = db,
    ): Promise<Account | undefined> {
      const [row] = await tx
        .update(accounts)
        .set({ requireTwoFactor: values.requireTwoFactor, updatedAt: new Date() })
        .where(and(eq(accounts.id, id), withinScope(scope, accounts.id)))
        .returning();
      return row;
    },

    /** Accounts strictly below the scope, a page ordered by name, with each one's number of children. */
    async listSwitchable(
      scope: TenantScope,
      filter: SwitchableFilter,
      tx: Executor = db,
    ): Promise<SwitchableRow[]> {
      const conditions = [withinScope(scope, accounts.id), ne(accounts.id, scope.accountId)];
      if (filter.search) conditions.push(ilike(accounts.name, `%${escapeLike(filter.search)}%`));
      if (filter.parentId) conditions.push(eq(accounts.parentId, filter.parentId));
      if (filter.after) {
        const [name, id] = filter.after;
        conditions.push(or(gt(accounts.name, name), and(eq(accounts.name, name), gt(accounts.id, id)))!);
      }
      const children = tx.$with("children").as(
        tx
          .select({ parentId: accounts.parentId, n: count().as("n") })
          .from(accounts)
          .groupBy(accounts.parentId),
      );
      return tx
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
        .limit(filter.limit);
    },

    /** Names of the given accounts that lie within the scope. */
    async namesWithinScope(
      scope: TenantScope,
      ids: string[],
      tx: Executor = db,
    ): Promise<Map<string, string>> {
      if (ids.length === 0) return new Map();
      const rows = await tx
        .select({ id: accounts.id, name: accounts.name })
        .from(accounts)
        .where(and(inArray(accounts.id, ids), withinScope(scope, accounts.id)));
      return new Map(rows.map((r) => [r.id, r.name]));
    },

    /** The partners directly below the scope's account. */
    /** Direct child partners by name (then id); a page of `limit` rows after `after` when given. */
    async listChildPartners(
      scope: TenantScope,
      page: { after?: readonly [string, string]; limit?: number } = {},
      tx: Executor = db,
    ) {
      const keys = [accounts.name, accounts.id];
      const query = tx
        .select({
          id: accounts.id,
          name: accounts.name,
          status: accounts.status,
          createdAt: accounts.createdAt,
          path: accounts.path,
        })
        .from(accounts)
        .where(
          and(
            eq(accounts.parentId, scope.accountId),
            eq(accounts.kind, "partner"),
            withinScope(scope, accounts.id),
            page.after && afterKeyset(keys, page.after),
          ),
        )
        .orderBy(...keysetOrder(keys));
      return page.limit === undefined ? query : query.limit(page.limit);
    },

    /** How many accounts of `kind` lie strictly below the scope's account. */
    async countBelow(scope: TenantScope, kind: Account["kind"], tx: Executor = db): Promise<number> {
      const [row] = await tx
        .select({ n: count() })
        .from(accounts)
        .where(
          and(withinScope(scope, accounts.id), ne(accounts.id, scope.accountId), eq(accounts.kind, kind)),
        );
      return row?.n ?? 0;
    },
  };
}

export type AccountRepository = ReturnType<typeof accountRepository>;
