import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { accounts, type TenantScope, withinScope } from "../tenancy/index.js";
import { type BrandRow, brandHosts, brands } from "./schema.js";

export type BrandValues = Omit<typeof brands.$inferInsert, "accountId" | "updatedAt">;

/**
 * Brands and custom host names. An Admin's reads and writes take a `TenantScope` and touch only the scope's
 * own account. Two reads are unscoped by design, because a brand is shown to those who sit below (or are not
 * yet signed in): `chain` (the brands of an account's ancestors, for the effective brand) and `accountOfHost`.
 */
export function brandRepository(db: Executor) {
  return {
    async own(scope: TenantScope, tx: Executor = db): Promise<BrandRow | undefined> {
      const [row] = await tx
        .select()
        .from(brands)
        .where(and(eq(brands.accountId, scope.accountId), withinScope(scope, brands.accountId)));
      return row;
    },

    async save(scope: TenantScope, values: BrandValues, tx: Executor = db): Promise<BrandRow> {
      const [row] = await tx
        .insert(brands)
        .values({ ...values, accountId: scope.accountId })
        .onConflictDoUpdate({ target: brands.accountId, set: { ...values, updatedAt: new Date() } })
        .returning();
      return row!;
    },

    hostsOf(scope: TenantScope, tx: Executor = db): Promise<string[]> {
      return tx
        .select({ host: brandHosts.host })
        .from(brandHosts)
        .where(and(eq(brandHosts.accountId, scope.accountId), withinScope(scope, brandHosts.accountId)))
        .orderBy(brandHosts.host)
        .then((rows) => rows.map((r) => r.host));
    },

    /** Replaces the account's host names; a host another account holds raises a unique violation. */
    async replaceHosts(scope: TenantScope, hosts: string[], tx: Executor = db) {
      await tx.delete(brandHosts).where(eq(brandHosts.accountId, scope.accountId));
      if (hosts.length > 0) {
        await tx.insert(brandHosts).values(hosts.map((host) => ({ host, accountId: scope.accountId })));
      }
    },

    /** The hosts of `hosts` held by an account other than the scope's. */
    async takenHosts(scope: TenantScope, hosts: string[], tx: Executor = db): Promise<string[]> {
      if (hosts.length === 0) return [];
      const rows = await tx
        .select({ host: brandHosts.host, accountId: brandHosts.accountId })
        .from(brandHosts)
        .where(inArray(brandHosts.host, hosts));
      return rows.filter((r) => r.accountId !== scope.accountId).map((r) => r.host);
    },

    /** The brands set on the accounts of `path` (root first), each with its depth. */
    async chain(path: string, tx: Executor = db): Promise<BrandRow[]> {
      const ids = path.split("/").filter(Boolean);
      if (ids.length === 0) return [];
      const rows = await tx.select().from(brands).where(inArray(brands.accountId, ids));
      return rows.sort((a, b) => ids.indexOf(a.accountId) - ids.indexOf(b.accountId));
    },

    async accountOfHost(host: string, tx: Executor = db) {
      const [row] = await tx
        .select({ id: accounts.id, path: accounts.path })
        .from(brandHosts)
        .innerJoin(accounts, eq(accounts.id, brandHosts.accountId))
        .where(eq(brandHosts.host, host));
      return row;
    },

    async accountPath(accountId: string, tx: Executor = db) {
      const [row] = await tx.select({ path: accounts.path }).from(accounts).where(eq(accounts.id, accountId));
      return row?.path;
    },

    async logo(accountId: string, tx: Executor = db) {
      const [row] = await tx
        .select({ logo: brands.logo, contentType: brands.logoContentType, hash: brands.logoHash })
        .from(brands)
        .where(eq(brands.accountId, accountId));
      return row?.logo && row.contentType ? row : undefined;
    },
  };
}

export type BrandRepository = ReturnType<typeof brandRepository>;
