import { and, asc, eq, ilike, or } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import type { PbxUser } from "./adapter.js";
import { pbxDirectoryEntries, pbxDirectorySources } from "./schema.js";

/**
 * Data access of the PBX directory. Every method is scoped to one enterprise: the caller passes the
 * enterprise the request acts on (after the tenancy check), and each query has it in its `where`.
 */
export function pbxDirectoryRepository(db: Executor, enterpriseAccountId: string) {
  const mine = eq(pbxDirectoryEntries.enterpriseAccountId, enterpriseAccountId);
  return {
    async replaceAll(users: PbxUser[], source: "upload" | "http") {
      await db.delete(pbxDirectoryEntries).where(mine);
      for (let i = 0; i < users.length; i += 1000)
        await db
          .insert(pbxDirectoryEntries)
          .values(users.slice(i, i + 1000).map((u) => ({ enterpriseAccountId, ...u, source })));
    },
    async search(query: string, limit: number) {
      const pattern = `%${query.replace(/[%_\\]/g, "")}%`;
      return db
        .select({
          extension: pbxDirectoryEntries.extension,
          name: pbxDirectoryEntries.name,
          defaultCallerId: pbxDirectoryEntries.defaultCallerId,
          source: pbxDirectoryEntries.source,
        })
        .from(pbxDirectoryEntries)
        .where(
          query
            ? and(
                mine,
                or(ilike(pbxDirectoryEntries.extension, pattern), ilike(pbxDirectoryEntries.name, pattern)),
              )
            : mine,
        )
        .orderBy(asc(pbxDirectoryEntries.extension))
        .limit(limit);
    },
    async byExtension(extension: string) {
      const [row] = await db
        .select()
        .from(pbxDirectoryEntries)
        .where(and(mine, eq(pbxDirectoryEntries.extension, extension)));
      return row;
    },
    async source() {
      const [row] = await db
        .select()
        .from(pbxDirectorySources)
        .where(eq(pbxDirectorySources.enterpriseAccountId, enterpriseAccountId));
      return row;
    },
    async saveSource(values: { baseUrl: string; bearerTokenSealed: string | null }) {
      await db
        .insert(pbxDirectorySources)
        .values({ enterpriseAccountId, ...values })
        .onConflictDoUpdate({
          target: pbxDirectorySources.enterpriseAccountId,
          set: { ...values, updatedAt: new Date() },
        });
    },
    async removeSource() {
      await db
        .delete(pbxDirectorySources)
        .where(eq(pbxDirectorySources.enterpriseAccountId, enterpriseAccountId));
    },
    async recordSync(result: { count: number } | { error: string }) {
      await db
        .update(pbxDirectorySources)
        .set(
          "error" in result
            ? { lastSyncError: result.error, lastSyncedAt: new Date() }
            : { lastSyncError: null, lastSyncCount: result.count, lastSyncedAt: new Date() },
        )
        .where(eq(pbxDirectorySources.enterpriseAccountId, enterpriseAccountId));
    },
  };
}
