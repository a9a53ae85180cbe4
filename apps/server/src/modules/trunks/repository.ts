import { and, count, eq, gte, ilike, inArray, ne, or, type SQL, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { afterKeyset, keysetOrder } from "../../db/keyset.js";
import { accountRepository, accounts, type TenantScope, withinScope } from "../tenancy/index.js";
import { type TrunkProfile, trunkProfiles } from "./schema.js";

export type TrunkProfileValues = Omit<
  typeof trunkProfiles.$inferInsert,
  "id" | "enterpriseAccountId" | "createdAt" | "updatedAt"
>;

/**
 * Trunk profiles, one per enterprise. Every tenant method takes the acting scope: a profile of an enterprise
 * outside it is not found and not changed. `platform` holds what no tenant asks: the portal-wide FQDN
 * uniqueness and the lookup by enterprise id that jobs (already past the gate) use.
 */
export function trunksRepository(db: Executor) {
  const inScope = (scope: TenantScope) => withinScope(scope, trunkProfiles.enterpriseAccountId);
  return {
    /** How many of the scope's enterprises have a trunk profile (the onboarding dashboard). */
    async count(scope: TenantScope, tx: Executor = db): Promise<number> {
      const [row] = await tx.select({ n: count() }).from(trunkProfiles).where(inScope(scope));
      return row?.n ?? 0;
    },

    /** The trunk FQDN of each of the enterprises that has a profile within the scope. */
    async fqdnsOf(scope: TenantScope, enterpriseAccountIds: string[], tx: Executor = db) {
      if (enterpriseAccountIds.length === 0) return new Map<string, string>();
      const rows = await tx
        .select({ id: trunkProfiles.enterpriseAccountId, fqdn: trunkProfiles.fqdn })
        .from(trunkProfiles)
        .where(and(inArray(trunkProfiles.enterpriseAccountId, enterpriseAccountIds), inScope(scope)));
      return new Map(rows.map((r) => [r.id, r.fqdn]));
    },

    async find(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(trunkProfiles)
        .where(and(eq(trunkProfiles.enterpriseAccountId, enterpriseAccountId), inScope(scope)));
      return row as TrunkProfile | undefined;
    },

    /**
     * The profiles of the scope's enterprises with their names, by FQDN (then id), searchable: `pageSize + 1`
     * rows (the extra one says that another page exists) after `after`, or from page `page`.
     */
    async list(
      scope: TenantScope,
      query: { search?: string; page: number; pageSize: number; after?: readonly [string, string] },
      tx = db,
    ) {
      const conditions: SQL[] = [inScope(scope)];
      if (query.search?.trim()) {
        const term = `%${query.search.trim().replace(/[%_\\]/g, "\\$&")}%`;
        conditions.push(
          or(
            ilike(trunkProfiles.fqdn, term),
            ilike(accounts.name, term),
            ilike(trunkProfiles.pbxHost, term),
          )!,
        );
      }
      const where = and(...conditions);
      const keys = [trunkProfiles.fqdn, trunkProfiles.id];
      const rows = await tx
        .select({ trunk: trunkProfiles, enterpriseName: accounts.name })
        .from(trunkProfiles)
        .innerJoin(accounts, eq(accounts.id, trunkProfiles.enterpriseAccountId))
        .where(query.after ? and(where, afterKeyset(keys, query.after)) : where)
        .orderBy(...keysetOrder(keys))
        .limit(query.pageSize + 1)
        .offset(query.after ? 0 : (query.page - 1) * query.pageSize);
      const [total] = await tx
        .select({ n: count() })
        .from(trunkProfiles)
        .innerJoin(accounts, eq(accounts.id, trunkProfiles.enterpriseAccountId))
        .where(where);
      return { total: total?.n ?? 0, rows };
    },

    /**
     * One writer of the enterprise's profile at a time (until the transaction ends), also while it does not
     * exist yet: a save reads the version it checks `If-Match`/`If-None-Match` against after this.
     */
    async lock(enterpriseAccountId: string, tx: Executor = db) {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtext(${`trunk-profile:${enterpriseAccountId}`}))`,
      );
    },

    /** Creates or replaces the enterprise's profile, when the enterprise lies within the scope. */
    async save(
      scope: TenantScope,
      enterpriseAccountId: string,
      values: TrunkProfileValues,
      tx: Executor = db,
    ) {
      if (!(await accountRepository(tx).findWithinScope(scope, enterpriseAccountId))) return undefined;
      const set = { ...values, updatedAt: new Date() };
      const [row] = await tx
        .insert(trunkProfiles)
        .values({ enterpriseAccountId, ...set })
        .onConflictDoUpdate({ target: trunkProfiles.enterpriseAccountId, set })
        .returning();
      return row;
    },

    platform: {
      /** Whether another enterprise's profile has this FQDN (trunk FQDNs are unique portal-wide). */
      async fqdnTaken(fqdn: string, exceptEnterpriseAccountId: string, tx: Executor = db) {
        const [clash] = await tx
          .select({ id: trunkProfiles.id })
          .from(trunkProfiles)
          .where(
            and(
              sql`lower(${trunkProfiles.fqdn}) = ${fqdn}`,
              ne(trunkProfiles.enterpriseAccountId, exceptEnterpriseAccountId),
            ),
          );
        return Boolean(clash);
      },

      /** The Direct Routing setup completed: the trunk is live. */
      async activate(enterpriseAccountId: string, tx: Executor = db) {
        await tx
          .update(trunkProfiles)
          .set({ status: "active", updatedAt: new Date() })
          .where(eq(trunkProfiles.enterpriseAccountId, enterpriseAccountId));
      },

      async findByEnterprise(enterpriseAccountId: string, tx: Executor = db) {
        const [row] = await tx
          .select()
          .from(trunkProfiles)
          .where(eq(trunkProfiles.enterpriseAccountId, enterpriseAccountId));
        return row as TrunkProfile | undefined;
      },
    },
  };
}

export type TrunksRepository = ReturnType<typeof trunksRepository>;

/** What the SBC reads of an enterprise's trunk profile (its sbc module maps it to the SBC's words). */
export type SbcTrunkProfile = Pick<
  TrunkProfile,
  | "fqdn"
  | "pbxHost"
  | "pbxPort"
  | "transport"
  | "sipDomain"
  | "pbxRealm"
  | "outboundProxy"
  | "mode"
  | "allowedIps"
  | "maxConcurrentCalls"
  | "transferMode"
  | "codecs"
  | "status"
>;

/** The enterprise's trunk profile columns the SBC needs; undefined without a profile or outside `scope`. */
export async function sbcTrunkProfile(
  scope: TenantScope,
  enterpriseAccountId: string,
  tx: Executor,
): Promise<SbcTrunkProfile | undefined> {
  const [row] = await tx
    .select({
      fqdn: trunkProfiles.fqdn,
      pbxHost: trunkProfiles.pbxHost,
      pbxPort: trunkProfiles.pbxPort,
      transport: trunkProfiles.transport,
      sipDomain: trunkProfiles.sipDomain,
      pbxRealm: trunkProfiles.pbxRealm,
      outboundProxy: trunkProfiles.outboundProxy,
      mode: trunkProfiles.mode,
      allowedIps: trunkProfiles.allowedIps,
      maxConcurrentCalls: trunkProfiles.maxConcurrentCalls,
      transferMode: trunkProfiles.transferMode,
      codecs: trunkProfiles.codecs,
      status: trunkProfiles.status,
    })
    .from(trunkProfiles)
    .where(
      and(
        eq(trunkProfiles.enterpriseAccountId, enterpriseAccountId),
        withinScope(scope, trunkProfiles.enterpriseAccountId),
      ),
    )
    .limit(1);
  return row;
}

/**
 * Enterprises whose trunk profile changed at or after `since` (all with a profile when null). Unscoped: the
 * SBC's change watch, a platform background loop that only learns ids (each sync then reads within scope).
 */
export async function trunkProfilesChangedSince(db: Executor, since: Date | null): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: trunkProfiles.enterpriseAccountId })
    .from(trunkProfiles)
    .where(since ? gte(trunkProfiles.updatedAt, since) : undefined);
  return rows.map((row) => row.id);
}
