import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { accountRepository, type TenantScope, withinScope } from "../tenancy/index.js";
import { type TeamsProfile, teamsProfiles } from "./schema.js";

export type TeamsProfileValues = Omit<
  typeof teamsProfiles.$inferInsert,
  "id" | "enterpriseAccountId" | "createdAt" | "updatedAt"
>;

/**
 * Teams profiles, one per enterprise. Every method takes the acting scope: a profile of an enterprise
 * outside it is not found and not changed. `platform.findByEnterprise` is for jobs past the access gate.
 */
export function teamsProfilesRepository(db: Executor) {
  const inScope = (scope: TenantScope) => withinScope(scope, teamsProfiles.enterpriseAccountId);
  return {
    /** How many of the scope's enterprises have a Teams profile (the onboarding dashboard). */
    async count(scope: TenantScope, tx: Executor = db): Promise<number> {
      const [row] = await tx.select({ n: count() }).from(teamsProfiles).where(inScope(scope));
      return row?.n ?? 0;
    },

    /** Those of the enterprises that have a Teams profile within the scope. */
    async enterprisesWithProfile(scope: TenantScope, enterpriseAccountIds: string[], tx: Executor = db) {
      if (enterpriseAccountIds.length === 0) return new Set<string>();
      const rows = await tx
        .select({ id: teamsProfiles.enterpriseAccountId })
        .from(teamsProfiles)
        .where(and(inArray(teamsProfiles.enterpriseAccountId, enterpriseAccountIds), inScope(scope)));
      return new Set(rows.map((r) => r.id));
    },

    async find(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(teamsProfiles)
        .where(and(eq(teamsProfiles.enterpriseAccountId, enterpriseAccountId), inScope(scope)));
      return row as TeamsProfile | undefined;
    },

    /**
     * One writer of the enterprise's profile at a time (until the transaction ends), also while it does not
     * exist yet: a save reads the version it checks `If-Match`/`If-None-Match` against after this.
     */
    async lock(enterpriseAccountId: string, tx: Executor = db) {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtext(${`teams-profile:${enterpriseAccountId}`}))`,
      );
    },

    /** Creates or replaces the enterprise's profile, when the enterprise lies within the scope. */
    async save(
      scope: TenantScope,
      enterpriseAccountId: string,
      values: TeamsProfileValues,
      tx: Executor = db,
    ) {
      if (!(await accountRepository(tx).findWithinScope(scope, enterpriseAccountId))) return undefined;
      const set = { ...values, updatedAt: new Date() };
      const [row] = await tx
        .insert(teamsProfiles)
        .values({ enterpriseAccountId, ...set })
        .onConflictDoUpdate({ target: teamsProfiles.enterpriseAccountId, set })
        .returning();
      return row;
    },

    platform: {
      async findByEnterprise(enterpriseAccountId: string, tx: Executor = db) {
        const [row] = await tx
          .select()
          .from(teamsProfiles)
          .where(eq(teamsProfiles.enterpriseAccountId, enterpriseAccountId));
        return row as TeamsProfile | undefined;
      },
    },
  };
}

export type TeamsProfilesRepository = ReturnType<typeof teamsProfilesRepository>;
