import { randomUUID } from "node:crypto";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import { keysetCursor, toPage } from "../../http/pagination.js";
import { Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { tenantScope } from "../tenancy/index.js";
import { checkDestination, type PrivateAddressPolicy, RefusedDestination } from "./address-guard.js";
import type { WebhookEventType } from "./events.js";
import type { WebhookRepository } from "./repository.js";
import type { WebhookDelivery, WebhookEndpoint } from "./schema.js";
import { newWebhookSecret } from "./signature.js";

/** Cursors of the endpoint list and of a delivery log: (created, id). */
export const webhookEndpointCursor = keysetCursor("timestamp", "uuid");
export const webhookDeliveryCursor = keysetCursor("timestamp", "uuid");
type PageRequest = { cursor?: string; limit: number };

export interface WebhookEndpointInput {
  url: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  description: string;
}

type AccountRef = { id: string; path: string };

/** What the portal shows of an endpoint: never its secret. */
export function endpointView(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes as WebhookEventType[],
    enabled: endpoint.enabled,
    description: endpoint.description,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}

export function deliveryView(row: { delivery: WebhookDelivery; eventType: string; eventAccountId: string }) {
  const { delivery } = row;
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: row.eventType,
    eventAccountId: row.eventAccountId,
    status: delivery.status,
    attempts: delivery.attempts,
    lastResponseCode: delivery.lastResponseCode,
    lastResponseExcerpt: delivery.lastResponseExcerpt,
    lastError: delivery.lastError,
    lastAttemptAt: delivery.lastAttemptAt,
    nextAttemptAt: delivery.nextAttemptAt,
    deliveredAt: delivery.deliveredAt,
    createdAt: delivery.createdAt,
  };
}

/**
 * Settings › Webhooks: an Admin manages the endpoints of an account. The signing secret is generated here,
 * sealed at rest and returned only by create and rotate-secret (shown once).
 */
export function webhookService(deps: {
  db: Database;
  secrets: SecretBox;
  webhooks: WebhookRepository;
  config: { WEBHOOKS_ALLOW_PRIVATE: PrivateAddressPolicy };
}) {
  async function checkedUrl(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw Problem.field("url", "Enter a full URL, e.g. https://example.com/webhooks.");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw Problem.field("url", "Only http and https URLs can receive webhooks.");
    if (url.username || url.password)
      throw Problem.field(
        "url",
        "Leave user name and password out of the URL; verify the signature instead.",
      );
    try {
      await checkDestination(url, deps.config.WEBHOOKS_ALLOW_PRIVATE);
    } catch (error) {
      if (error instanceof RefusedDestination) throw Problem.field("url", error.message);
      throw error;
    }
    return url.toString();
  }

  async function found(account: AccountRef, id: string) {
    const endpoint = await deps.webhooks.findEndpoint(tenantScope(account), id);
    if (!endpoint) throw Problem.notFound("There is no such webhook endpoint.");
    return endpoint;
  }

  return {
    /** A page of the account's endpoints, oldest first. */
    async list(account: AccountRef, page: PageRequest) {
      const after = page.cursor ? (webhookEndpointCursor.decode(page.cursor) ?? undefined) : undefined;
      const rows = await deps.webhooks.listEndpoints(tenantScope(account), { after, limit: page.limit + 1 });
      return toPage(rows, page.limit, (last) => webhookEndpointCursor.encode([last.createdAtExact, last.id]));
    },

    get: found,

    async create(account: AccountRef, input: WebhookEndpointInput, audit: AuditContext) {
      const url = await checkedUrl(input.url);
      const id = randomUUID();
      const secret = newWebhookSecret();
      const endpoint = await deps.db.transaction(async (tx) => {
        const created = await deps.webhooks.createEndpoint(
          tenantScope(account),
          {
            id,
            url,
            eventTypes: [...new Set(input.eventTypes)],
            enabled: input.enabled,
            description: input.description,
            secretSealed: deps.secrets.seal(secret, id),
          },
          tx,
        );
        await recordAudit(tx, audit, {
          action: "webhook-endpoint.create",
          accountId: account.id,
          targetType: "webhook-endpoint",
          targetId: id,
          after: endpointView(created),
        });
        return created;
      });
      return { endpoint, secret };
    },

    async update(account: AccountRef, id: string, input: Partial<WebhookEndpointInput>, audit: AuditContext) {
      const before = await found(account, id);
      const url = input.url === undefined ? undefined : await checkedUrl(input.url);
      return deps.db.transaction(async (tx) => {
        const updated = await deps.webhooks.updateEndpoint(
          tenantScope(account),
          id,
          {
            ...(url !== undefined ? { url } : {}),
            ...(input.eventTypes ? { eventTypes: [...new Set(input.eventTypes)] } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
          },
          tx,
        );
        if (!updated) throw Problem.notFound("There is no such webhook endpoint.");
        await recordAudit(tx, audit, {
          action: "webhook-endpoint.update",
          accountId: account.id,
          targetType: "webhook-endpoint",
          targetId: id,
          before: endpointView(before),
          after: endpointView(updated),
        });
        return updated;
      });
    },

    async rotateSecret(account: AccountRef, id: string, audit: AuditContext) {
      await found(account, id);
      const secret = newWebhookSecret();
      const endpoint = await deps.db.transaction(async (tx) => {
        const updated = await deps.webhooks.updateEndpoint(
          tenantScope(account),
          id,
          { secretSealed: deps.secrets.seal(secret, id) },
          tx,
        );
        if (!updated) throw Problem.notFound("There is no such webhook endpoint.");
        await recordAudit(tx, audit, {
          action: "webhook-endpoint.rotate-secret",
          accountId: account.id,
          targetType: "webhook-endpoint",
          targetId: id,
        });
        return updated;
      });
      return { endpoint, secret };
    },

    async remove(account: AccountRef, id: string, audit: AuditContext) {
      const before = await found(account, id);
      await deps.db.transaction(async (tx) => {
        const deleted = await deps.webhooks.deleteEndpoint(tenantScope(account), id, tx);
        if (!deleted) throw Problem.notFound("There is no such webhook endpoint.");
        await recordAudit(tx, audit, {
          action: "webhook-endpoint.delete",
          accountId: account.id,
          targetType: "webhook-endpoint",
          targetId: id,
          before: endpointView(before),
        });
      });
    },

    /** A page of the endpoint's delivery log, newest first. */
    async deliveries(account: AccountRef, id: string, page: PageRequest) {
      await found(account, id);
      const before = page.cursor ? (webhookDeliveryCursor.decode(page.cursor) ?? undefined) : undefined;
      const rows = await deps.webhooks.listDeliveries(tenantScope(account), id, {
        before,
        limit: page.limit + 1,
      });
      return toPage(rows, page.limit, (last) =>
        webhookDeliveryCursor.encode([last.createdAtExact, last.delivery.id]),
      );
    },

    async redeliver(account: AccountRef, id: string, deliveryId: string, audit: AuditContext) {
      await found(account, id);
      return deps.db.transaction(async (tx) => {
        const restarted = await deps.webhooks.restartDelivery(tenantScope(account), id, deliveryId, tx);
        if (!restarted) throw Problem.notFound("There is no such delivery.");
        await recordAudit(tx, audit, {
          action: "webhook-delivery.redeliver",
          accountId: account.id,
          targetType: "webhook-delivery",
          targetId: deliveryId,
        });
        return restarted;
      });
    },
  };
}

export type WebhookService = ReturnType<typeof webhookService>;
