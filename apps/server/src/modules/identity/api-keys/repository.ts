import { and, eq, getTableColumns, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { afterKeyset, exactTimestamp, keysetOrder } from "../../../db/keyset.js";
import { accounts, type TenantScope } from "../../tenancy/index.js";
import { type ApiKey, apiKeys, apiKeyUsage } from "../schema.js";

/**
 * API keys. An Admin's reads and writes take a `TenantScope` and touch only the keys of the scope's own
 * account; the lookup by the presented key (`findForAuthentication`), the last-used touch and the request
 * counter are the unscoped exceptions (the key itself is the credential).
 */
export function apiKeyRepository(db: Executor) {
  return {
    /** A page of the account's keys, oldest first: `limit` rows after `after` (created, id). */
    listInAccount(
      scope: TenantScope,
      page: { after?: readonly [string, string]; limit: number },
      tx: Executor = db,
    ): Promise<(ApiKey & { createdAtExact: string })[]> {
      const keys = [apiKeys.createdAt, apiKeys.id];
      return tx
        .select({ ...getTableColumns(apiKeys), createdAtExact: exactTimestamp(apiKeys.createdAt) })
        .from(apiKeys)
        .where(and(eq(apiKeys.accountId, scope.accountId), page.after && afterKeyset(keys, page.after)))
        .orderBy(...keysetOrder(keys))
        .limit(page.limit);
    },

    async create(
      scope: TenantScope,
      values: Omit<typeof apiKeys.$inferInsert, "accountId" | "id">,
      tx: Executor = db,
    ): Promise<ApiKey> {
      const [row] = await tx
        .insert(apiKeys)
        .values({ ...values, accountId: scope.accountId })
        .returning();
      return row!;
    },

    /** Marks the key revoked (once); undefined when the scope's account has no such key. */
    async revokeInAccount(scope: TenantScope, keyId: string, tx: Executor = db) {
      const [row] = await tx
        .update(apiKeys)
        .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
        .where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, scope.accountId)))
        .returning();
      return row;
    },

    async findForAuthentication(publicId: string) {
      const [row] = await db
        .select({ key: apiKeys, account: accounts })
        .from(apiKeys)
        .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
        .where(eq(apiKeys.publicId, publicId));
      return row;
    },

    /** Records use at most once a minute per key, so a busy key does not write on every request. */
    async touchLastUsed(keyId: string, now: Date) {
      await db
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(
          and(
            eq(apiKeys.id, keyId),
            or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - 60_000))),
          ),
        );
    },

    /** Counts one request in the key's window and returns the window's count (atomic across processes). */
    async countRequest(keyId: string, windowStart: Date): Promise<number> {
      const [row] = await db
        .insert(apiKeyUsage)
        .values({ keyId, windowStart, requests: 1 })
        .onConflictDoUpdate({
          target: [apiKeyUsage.keyId, apiKeyUsage.windowStart],
          set: { requests: sql`${apiKeyUsage.requests} + 1` },
        })
        .returning({ requests: apiKeyUsage.requests });
      const requests = row!.requests;
      // The first request of a window clears the key's earlier windows.
      if (requests === 1) {
        await db
          .delete(apiKeyUsage)
          .where(and(eq(apiKeyUsage.keyId, keyId), lt(apiKeyUsage.windowStart, windowStart)));
      }
      return requests;
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof apiKeyRepository>;
