import { and, eq, getTableColumns, inArray, isNull, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { afterKeyset, exactTimestamp, keysetOrder } from "../../db/keyset.js";
import { type TenantScope, withinScope } from "../tenancy/index.js";
import { type WebhookEndpoint, webhookDeliveries, webhookEndpoints, webhookEvents } from "./schema.js";

/**
 * Endpoints and their delivery logs. An Admin's reads and writes take a `TenantScope` and touch only the
 * endpoints of the scope's own account (an endpoint belongs to one account, like an API key); the delivery
 * job and the relay work by id (unscoped: they act for the system, never for a request).
 */
export function webhookRepository(db: Executor) {
  return {
    /** A page of the account's endpoints, oldest first: `limit` rows after `after` (created, id). */
    listEndpoints(
      scope: TenantScope,
      page: { after?: readonly [string, string]; limit: number },
      tx: Executor = db,
    ): Promise<(WebhookEndpoint & { createdAtExact: string })[]> {
      const keys = [webhookEndpoints.createdAt, webhookEndpoints.id];
      return tx
        .select({
          ...getTableColumns(webhookEndpoints),
          createdAtExact: exactTimestamp(webhookEndpoints.createdAt),
        })
        .from(webhookEndpoints)
        .where(
          and(eq(webhookEndpoints.accountId, scope.accountId), page.after && afterKeyset(keys, page.after)),
        )
        .orderBy(...keysetOrder(keys))
        .limit(page.limit);
    },

    async findEndpoint(scope: TenantScope, id: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.accountId, scope.accountId)));
      return row;
    },

    async createEndpoint(
      scope: TenantScope,
      values: Omit<typeof webhookEndpoints.$inferInsert, "accountId">,
      tx: Executor = db,
    ): Promise<WebhookEndpoint> {
      const [row] = await tx
        .insert(webhookEndpoints)
        .values({ ...values, accountId: scope.accountId })
        .returning();
      return row!;
    },

    async updateEndpoint(
      scope: TenantScope,
      id: string,
      values: Partial<
        Pick<WebhookEndpoint, "url" | "eventTypes" | "enabled" | "description" | "secretSealed">
      >,
      tx: Executor = db,
    ) {
      const [row] = await tx
        .update(webhookEndpoints)
        .set({ ...values, updatedAt: new Date() })
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.accountId, scope.accountId)))
        .returning();
      return row;
    },

    async deleteEndpoint(scope: TenantScope, id: string, tx: Executor = db) {
      const [row] = await tx
        .delete(webhookEndpoints)
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.accountId, scope.accountId)))
        .returning({ id: webhookEndpoints.id });
      return row;
    },

    /** A page of the endpoint's deliveries, newest first, with their event's type: `limit` rows before `before`. */
    listDeliveries(
      scope: TenantScope,
      endpointId: string,
      page: { before?: readonly [string, string]; limit: number },
      tx: Executor = db,
    ) {
      const keys = [webhookDeliveries.createdAt, webhookDeliveries.id];
      return tx
        .select({
          delivery: webhookDeliveries,
          eventType: webhookEvents.type,
          eventAccountId: webhookEvents.accountId,
          createdAtExact: exactTimestamp(webhookDeliveries.createdAt),
        })
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .where(
          and(
            eq(webhookDeliveries.endpointId, endpointId),
            eq(webhookDeliveries.accountId, scope.accountId),
            withinScope(scope, webhookDeliveries.accountId),
            page.before && afterKeyset(keys, page.before, "desc"),
          ),
        )
        .orderBy(...keysetOrder(keys, "desc"))
        .limit(page.limit);
    },

    /** Redeliver: a new round of attempts (24 h again), queued by the relay. */
    async restartDelivery(scope: TenantScope, endpointId: string, deliveryId: string, tx: Executor = db) {
      const [row] = await tx
        .update(webhookDeliveries)
        .set({
          status: "pending",
          attempts: 0,
          enqueuedAt: null,
          nextAttemptAt: null,
          deliveredAt: null,
          roundStartedAt: new Date(),
        })
        .where(
          and(
            eq(webhookDeliveries.id, deliveryId),
            eq(webhookDeliveries.endpointId, endpointId),
            eq(webhookDeliveries.accountId, scope.accountId),
          ),
        )
        .returning();
      return row;
    },

    /** What the delivery job needs: the delivery, its event and its endpoint. */
    async loadForDelivery(deliveryId: string) {
      const [row] = await db
        .select({ delivery: webhookDeliveries, event: webhookEvents, endpoint: webhookEndpoints })
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
        .where(eq(webhookDeliveries.id, deliveryId));
      return row;
    },

    async recordAttempt(
      deliveryId: string,
      values: Partial<
        Pick<
          typeof webhookDeliveries.$inferSelect,
          | "status"
          | "lastResponseCode"
          | "lastResponseExcerpt"
          | "lastError"
          | "lastAttemptAt"
          | "nextAttemptAt"
          | "deliveredAt"
        >
      >,
    ) {
      await db
        .update(webhookDeliveries)
        .set({ ...values, attempts: sql`${webhookDeliveries.attempts} + 1` })
        .where(eq(webhookDeliveries.id, deliveryId));
    },

    /**
     * The relay's claim: marks up to `limit` deliveries that no job was queued for as queued and hands them
     * to `enqueue` in the same transaction, so a failed enqueue leaves them unqueued for the next pass.
     */
    async claimUnqueued(limit: number, enqueue: (ids: string[]) => Promise<void>) {
      return db.transaction(async (tx) => {
        const rows = await tx
          .select({ id: webhookDeliveries.id })
          .from(webhookDeliveries)
          .where(isNull(webhookDeliveries.enqueuedAt))
          .orderBy(webhookDeliveries.createdAt)
          .limit(limit)
          .for("update", { skipLocked: true });
        if (rows.length === 0) return 0;
        const ids = rows.map((row) => row.id);
        await tx
          .update(webhookDeliveries)
          .set({ enqueuedAt: new Date() })
          .where(inArray(webhookDeliveries.id, ids));
        await enqueue(ids);
        return ids.length;
      });
    },
  };
}

export type WebhookRepository = ReturnType<typeof webhookRepository>;
