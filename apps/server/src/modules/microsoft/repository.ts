import { and, count, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { accountRepository, type TenantScope, withinScope } from "../tenancy/index.js";
import { type MicrosoftConnection, microsoftAuthorizationRequests, microsoftConnections } from "./schema.js";

/** What the onboarding views read of a connection. */
export interface ConnectionState {
  status: MicrosoftConnection["status"];
  tenantDomain: string;
}

/**
 * Enterprises' Microsoft connections and emailed authorization links. Tenant methods take the acting scope:
 * a connection or link of an enterprise outside it is not found and not changed. `platform` holds what runs
 * past the access gate by enterprise id (jobs, the consent callback) or by a link's token.
 */
export function connectionsRepository(db: Executor) {
  const connectionOf = (enterpriseAccountId: string) =>
    eq(microsoftConnections.enterpriseAccountId, enterpriseAccountId);
  const connectionIn = (scope: TenantScope) => withinScope(scope, microsoftConnections.enterpriseAccountId);
  return {
    /** How many of the scope's enterprises are connected (the onboarding dashboard). */
    async countConnected(scope: TenantScope, tx: Executor = db): Promise<number> {
      const [row] = await tx
        .select({ n: count() })
        .from(microsoftConnections)
        .where(and(connectionIn(scope), eq(microsoftConnections.status, "connected")));
      return row?.n ?? 0;
    },

    /** The connection status and tenant domain of each of the enterprises that has a connection row in scope. */
    async statusesOf(scope: TenantScope, enterpriseAccountIds: string[], tx: Executor = db) {
      if (enterpriseAccountIds.length === 0) return new Map<string, ConnectionState>();
      const rows = await tx
        .select({
          id: microsoftConnections.enterpriseAccountId,
          status: microsoftConnections.status,
          tenantDomain: microsoftConnections.tenantDomain,
        })
        .from(microsoftConnections)
        .where(
          and(inArray(microsoftConnections.enterpriseAccountId, enterpriseAccountIds), connectionIn(scope)),
        );
      return new Map(
        rows.map((r): [string, ConnectionState] => [
          r.id,
          { status: r.status, tenantDomain: r.tenantDomain },
        ]),
      );
    },

    async find(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(microsoftConnections)
        .where(and(connectionOf(enterpriseAccountId), connectionIn(scope)));
      return row as MicrosoftConnection | undefined;
    },

    async markDisconnected(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx
        .update(microsoftConnections)
        .set({ status: "disconnected", disconnectedAt: new Date() })
        .where(and(connectionOf(enterpriseAccountId), connectionIn(scope)))
        .returning();
      return row;
    },

    /** The enterprise's one emailed link: replaces any earlier one; false when the enterprise is out of scope. */
    async replaceAuthorizationRequest(
      scope: TenantScope,
      request: { tokenHash: string; enterpriseAccountId: string; email: string; expiresAt: Date },
      tx: Executor = db,
    ): Promise<boolean> {
      if (!(await accountRepository(tx).findWithinScope(scope, request.enterpriseAccountId))) return false;
      await tx
        .delete(microsoftAuthorizationRequests)
        .where(eq(microsoftAuthorizationRequests.enterpriseAccountId, request.enterpriseAccountId));
      await tx.insert(microsoftAuthorizationRequests).values(request);
      return true;
    },

    platform: {
      async findByEnterprise(enterpriseAccountId: string, tx: Executor = db) {
        const [row] = await tx.select().from(microsoftConnections).where(connectionOf(enterpriseAccountId));
        return row as MicrosoftConnection | undefined;
      },

      /** The enterprise connected to this tenant, if any (Sign in with Microsoft: which enterprise's users). */
      async enterpriseOfTenant(tenantId: string, tx: Executor = db): Promise<string | null> {
        const [row] = await tx
          .select({ id: microsoftConnections.enterpriseAccountId })
          .from(microsoftConnections)
          .where(
            and(eq(microsoftConnections.tenantId, tenantId), eq(microsoftConnections.status, "connected")),
          );
        return row?.id ?? null;
      },

      /** Spends an emailed link (unknown, used or expired: undefined). */
      async consumeAuthorizationRequest(tokenHash: string, tx: Executor = db) {
        const [row] = await tx
          .update(microsoftAuthorizationRequests)
          .set({ usedAt: new Date() })
          .where(
            and(
              eq(microsoftAuthorizationRequests.tokenHash, tokenHash),
              isNull(microsoftAuthorizationRequests.usedAt),
              gt(microsoftAuthorizationRequests.expiresAt, new Date()),
            ),
          )
          .returning();
        return row;
      },
    },
  };
}
