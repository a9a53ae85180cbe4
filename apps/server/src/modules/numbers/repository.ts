import { and, asc, count, eq, inArray, isNull, like, lte, or } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { afterKeyset } from "../../db/keyset.js";
import { accounts, type TenantScope, withinScope } from "../tenancy/index.js";
import { phoneNumbers } from "./schema.js";

export interface NumberListQuery {
  search?: string;
  state?: "available" | "reserved" | "assigned" | "quarantined";
  page: number;
  pageSize: number;
  /** Keyset position: the last number seen; `page` is then ignored. */
  after?: string;
}

const noWildcards = (value: string) => value.replace(/[%_\\]/g, "");

/**
 * The number inventory. A number is in a scope through its holder (the operator or partner that uploaded it)
 * or through the enterprise it is allocated to, whichever the method names; reads, updates and deletes all
 * carry the scope. `platform` holds the few platform-wide statements (sweeps, Microsoft's report on a
 * number), which no tenant calls.
 */
export function numbersRepository(db: Executor) {
  const heldIn = (scope: TenantScope) => withinScope(scope, phoneNumbers.holderAccountId);
  const allocatedIn = (scope: TenantScope) => withinScope(scope, phoneNumbers.enterpriseAccountId);
  return {
    /** Adds numbers to the scope's own inventory; returns those that were new. */
    async insertHeld(scope: TenantScope, numbers: string[], tx: Executor = db): Promise<string[]> {
      const rows = await tx
        .insert(phoneNumbers)
        .values(numbers.map((number) => ({ number, holderAccountId: scope.accountId })))
        .onConflictDoNothing()
        .returning({ number: phoneNumbers.number });
      return rows.map((r) => r.number);
    },

    /** Allocates available numbers held within the scope (and not allocated elsewhere) to the enterprise. */
    async allocate(scope: TenantScope, enterpriseAccountId: string, numbers: string[], tx: Executor = db) {
      const rows = await tx
        .update(phoneNumbers)
        .set({ enterpriseAccountId, updatedAt: new Date() })
        .where(
          and(
            inArray(phoneNumbers.number, numbers),
            eq(phoneNumbers.state, "available"),
            or(
              isNull(phoneNumbers.enterpriseAccountId),
              eq(phoneNumbers.enterpriseAccountId, enterpriseAccountId),
            ),
            heldIn(scope),
          ),
        )
        .returning({ number: phoneNumbers.number });
      return rows.map((r) => r.number);
    },

    /** The inventory number if it is allocated within the scope. */
    async findAllocated(scope: TenantScope, number: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(phoneNumbers)
        .where(and(eq(phoneNumbers.number, number), allocatedIn(scope)));
      return row;
    },

    async markAssigned(scope: TenantScope, number: string, provisionedUserId: string, tx: Executor = db) {
      await tx
        .update(phoneNumbers)
        .set({ state: "assigned", provisionedUserId, conflict: null, updatedAt: new Date() })
        .where(and(eq(phoneNumbers.number, number), allocatedIn(scope)));
    },

    /** Unassigns a number allocated within the scope: quarantined until `until`, or available without one. */
    async release(scope: TenantScope, number: string, until: Date | null, tx: Executor = db) {
      await tx
        .update(phoneNumbers)
        .set({
          state: until ? "quarantined" : "available",
          quarantinedUntil: until,
          provisionedUserId: null,
          updatedAt: new Date(),
        })
        .where(and(eq(phoneNumbers.number, number), allocatedIn(scope)));
    },

    /** Numbers visible to the scope: held within it, or (`by: "allocation"`) allocated within it. */
    async list(scope: TenantScope, by: "holder" | "allocation", query: NumberListQuery, tx: Executor = db) {
      const where = and(
        by === "allocation" ? allocatedIn(scope) : heldIn(scope),
        query.state ? eq(phoneNumbers.state, query.state) : undefined,
        query.search ? like(phoneNumbers.number, `%${noWildcards(query.search)}%`) : undefined,
      );
      const [total] = await tx.select({ n: count() }).from(phoneNumbers).where(where);
      const items = await tx
        .select({
          number: phoneNumbers.number,
          state: phoneNumbers.state,
          enterpriseAccountId: phoneNumbers.enterpriseAccountId,
          enterpriseName: accounts.name,
          quarantinedUntil: phoneNumbers.quarantinedUntil,
          conflict: phoneNumbers.conflict,
        })
        .from(phoneNumbers)
        .leftJoin(accounts, eq(accounts.id, phoneNumbers.enterpriseAccountId))
        .where(query.after ? and(where, afterKeyset([phoneNumbers.number], [query.after])) : where)
        .orderBy(asc(phoneNumbers.number))
        .limit(query.pageSize + 1)
        .offset(query.after ? 0 : (query.page - 1) * query.pageSize);
      return { total: total?.n ?? 0, items };
    },

    /** Unassigned numbers allocated within the scope that start with `prefix` (quarantine over counts as free). */
    async listFree(scope: TenantScope, prefix: string, limit: number, tx: Executor = db) {
      const rows = await tx
        .select({ number: phoneNumbers.number })
        .from(phoneNumbers)
        .where(
          and(
            allocatedIn(scope),
            or(
              eq(phoneNumbers.state, "available"),
              and(eq(phoneNumbers.state, "quarantined"), lte(phoneNumbers.quarantinedUntil, new Date())),
            ),
            prefix ? like(phoneNumbers.number, `${noWildcards(prefix)}%`) : undefined,
          ),
        )
        .orderBy(asc(phoneNumbers.number))
        .limit(limit);
      return rows.map((r) => r.number);
    },

    platform: {
      /** Whether the number is in anyone's inventory (a yes/no, for "this number belongs to another customer"). */
      async inInventory(number: string, tx: Executor = db): Promise<boolean> {
        const [row] = await tx
          .select({ number: phoneNumbers.number })
          .from(phoneNumbers)
          .where(eq(phoneNumbers.number, number));
        return Boolean(row);
      },

      /** Microsoft reports the number assigned to someone else: recorded on the number, whoever holds it. */
      async markConflict(number: string, detail: string, tx: Executor = db) {
        await tx
          .update(phoneNumbers)
          .set({ conflict: detail, updatedAt: new Date() })
          .where(eq(phoneNumbers.number, number));
      },

      /** The schedule's sweep: quarantines that are over. */
      async endQuarantines(now: Date, tx: Executor = db) {
        await tx
          .update(phoneNumbers)
          .set({ state: "available", quarantinedUntil: null, updatedAt: new Date() })
          .where(and(eq(phoneNumbers.state, "quarantined"), lte(phoneNumbers.quarantinedUntil, now)));
      },
    },
  };
}

export type NumbersRepository = ReturnType<typeof numbersRepository>;
