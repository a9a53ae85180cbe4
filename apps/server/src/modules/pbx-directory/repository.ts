import { and, asc, eq, ilike, or } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { afterKeyset } from "../../db/keyset.js";
import { type TenantScope, withinScope } from "../tenancy/index.js";
import type { PbxUser } from "./adapter.js";
import { pbxDirectoryEntries, pbxDirectorySources } from "./schema.js";

/**
 * Data access of the PBX directory. The scope is the enterprise the request (or job) acts on: reads,
 * updates and deletes are limited to it, and what is written belongs to `scope.accountId`.
 */
export function pbxDirectoryRepository(db: Executor) {
  const entriesIn = (scope: TenantScope) => withinScope(scope, pbxDirectoryEntries.enterpriseAccountId);
  const sourceIn = (scope: TenantScope) => withinScope(scope, pbxDirectorySources.enterpriseAccountId);
  return {
    async replaceAll(scope: TenantScope, users: PbxUser[], source: "upload" | "http", tx: Executor = db) {
      await tx.delete(pbxDirectoryEntries).where(entriesIn(scope));
      for (let i = 0; i < users.length; i += 1000)
        await tx
          .insert(pbxDirectoryEntries)
          .values(
            users.slice(i, i + 1000).map((u) => ({ enterpriseAccountId: scope.accountId, ...u, source })),
          );
    },

    /** Entries whose extension or name contains `query`, by extension: `limit` rows after extension `after`. */
    async search(
      scope: TenantScope,
      query: string,
      page: { after?: string; limit: number },
      tx: Executor = db,
    ) {
      const pattern = `%${query.replace(/[%_\\]/g, "")}%`;
      const position =
        page.after === undefined ? undefined : afterKeyset([pbxDirectoryEntries.extension], [page.after]);
      return tx
        .select({
          extension: pbxDirectoryEntries.extension,
          name: pbxDirectoryEntries.name,
          defaultCallerId: pbxDirectoryEntries.defaultCallerId,
          source: pbxDirectoryEntries.source,
        })
        .from(pbxDirectoryEntries)
        .where(
          and(
            entriesIn(scope),
            query
              ? or(ilike(pbxDirectoryEntries.extension, pattern), ilike(pbxDirectoryEntries.name, pattern))
              : undefined,
            position,
          ),
        )
        .orderBy(asc(pbxDirectoryEntries.extension))
        .limit(page.limit);
    },

    async byExtension(scope: TenantScope, extension: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(pbxDirectoryEntries)
        .where(and(entriesIn(scope), eq(pbxDirectoryEntries.extension, extension)));
      return row;
    },

    async source(scope: TenantScope, tx: Executor = db) {
      const [row] = await tx.select().from(pbxDirectorySources).where(sourceIn(scope));
      return row;
    },

    async saveSource(
      scope: TenantScope,
      values: { baseUrl: string; bearerTokenSealed: string | null },
      tx: Executor = db,
    ) {
      await tx
        .insert(pbxDirectorySources)
        .values({ enterpriseAccountId: scope.accountId, ...values })
        .onConflictDoUpdate({
          target: pbxDirectorySources.enterpriseAccountId,
          set: { ...values, updatedAt: new Date() },
        });
    },

    async removeSource(scope: TenantScope, tx: Executor = db) {
      await tx.delete(pbxDirectorySources).where(sourceIn(scope));
    },

    async recordSync(scope: TenantScope, result: { count: number } | { error: string }, tx: Executor = db) {
      await tx
        .update(pbxDirectorySources)
        .set(
          "error" in result
            ? { lastSyncError: result.error, lastSyncedAt: new Date() }
            : { lastSyncError: null, lastSyncCount: result.count, lastSyncedAt: new Date() },
        )
        .where(sourceIn(scope));
    },
  };
}

export type PbxDirectoryRepository = ReturnType<typeof pbxDirectoryRepository>;
