import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { pageQuery, pageSchema } from "../../http/pagination.js";
import { problemSchema } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import type { PrivateAddressPolicy } from "./address-guard.js";
import { webhookEventTypeSchema, webhookPayloadSchema } from "./events.js";
import { webhookRepository } from "./repository.js";
import {
  deliveryView,
  endpointView,
  webhookDeliveryCursor,
  webhookEndpointCursor,
  webhookService,
} from "./service.js";

const endpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(webhookEventTypeSchema),
    enabled: z.boolean(),
    description: z.string(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "WebhookEndpoint" });

const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string().describe("The `webhook-id` header of every attempt of this delivery."),
    eventType: z.string(),
    eventAccountId: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    lastResponseCode: z.number().int().nullable(),
    lastResponseExcerpt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastAttemptAt: z.date().nullable(),
    nextAttemptAt: z.date().nullable(),
    deliveredAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "WebhookDelivery" });

const withSecret = z.object({
  endpoint: endpointSchema,
  secret: z.string().describe("The `whsec_…` signing secret: shown this once, stored sealed."),
});

const eventTypes = z
  .array(webhookEventTypeSchema, { error: "Choose event types from the list." })
  .min(1, "Choose at least one event type.");
const fields = {
  url: text(2000).trim().min(1, "Enter the URL that receives the events."),
  eventTypes,
  enabled: z.boolean().default(true),
  description: text(200).trim().default(""),
};

const params = z.object({ accountId: uuid() });
const endpointParams = z.object({ accountId: uuid(), endpointId: uuid() });
const deliveryParams = z.object({ accountId: uuid(), endpointId: uuid(), deliveryId: uuid() });
// Admins only; an Admin's API key may manage endpoints too (the secret is no portal credential).
const admins = { config: { access: { kind: "account" as const, permission: "administer" as const } } };
const tags = ["webhooks"];

/** Settings › Webhooks (modules/webhooks/README.md). */
export function webhookRoutes(deps: {
  db: Database;
  secrets: SecretBox;
  config: { WEBHOOKS_ALLOW_PRIVATE: PrivateAddressPolicy };
}): FastifyPluginAsyncZod {
  const service = webhookService({ ...deps, webhooks: webhookRepository(deps.db) });
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/webhooks/event-types",
      {
        ...admins,
        schema: {
          tags,
          operationId: "listWebhookEventTypes",
          description:
            "The event types an endpoint can subscribe to. `payloadExample` documents the body each delivery carries (component WebhookPayload).",
          params,
          response: {
            200: z.object({
              items: z.array(webhookEventTypeSchema),
              payloadExample: webhookPayloadSchema.nullable(),
            }),
          },
        },
      },
      async () => ({ items: webhookEventTypeSchema.options, payloadExample: null }),
    );

    app.get(
      "/api/accounts/:accountId/webhooks",
      {
        ...admins,
        schema: {
          tags,
          operationId: "listWebhookEndpoints",
          description: "The account's endpoints, oldest first; cursor paging (docs/api.md, Pagination).",
          params,
          querystring: pageQuery(webhookEndpointCursor),
          response: { 200: pageSchema(endpointSchema), 400: problemSchema },
        },
      },
      async (request) => {
        const page = await service.list(targetAccountOf(request), request.query);
        return { items: page.items.map(endpointView), nextCursor: page.nextCursor };
      },
    );

    app.post(
      "/api/accounts/:accountId/webhooks",
      {
        ...admins,
        schema: {
          tags,
          operationId: "createWebhookEndpoint",
          description:
            "Adds an endpoint receiving the chosen events of this account and every account below it. The answer's `secret` is shown this once. URLs whose host resolves to a private, loopback, link-local, CGNAT or unique-local address are refused (400) unless the operator allows them (WEBHOOKS_ALLOW_PRIVATE).",
          params,
          body: z.object(fields),
          response: { 201: withSecret, 400: problemSchema },
        },
      },
      async (request, reply) => {
        const created = await service.create(
          targetAccountOf(request),
          request.body,
          requestAuditContext(request),
        );
        return reply.code(201).send({ endpoint: endpointView(created.endpoint), secret: created.secret });
      },
    );

    app.patch(
      "/api/accounts/:accountId/webhooks/:endpointId",
      {
        ...admins,
        schema: {
          tags,
          operationId: "updateWebhookEndpoint",
          params: endpointParams,
          body: z.object({
            url: fields.url.optional(),
            eventTypes: eventTypes.optional(),
            enabled: z.boolean().optional(),
            description: text(200).trim().optional(),
          }),
          response: { 200: endpointSchema, 400: problemSchema, 404: problemSchema },
        },
      },
      async (request) =>
        endpointView(
          await service.update(
            targetAccountOf(request),
            request.params.endpointId,
            request.body,
            requestAuditContext(request),
          ),
        ),
    );

    app.post(
      "/api/accounts/:accountId/webhooks/:endpointId/rotate-secret",
      {
        ...admins,
        schema: {
          tags,
          operationId: "rotateWebhookSecret",
          description:
            "Replaces the signing secret; the new one is shown this once and signs every later attempt.",
          params: endpointParams,
          response: { 200: withSecret, 404: problemSchema },
        },
      },
      async (request) => {
        const rotated = await service.rotateSecret(
          targetAccountOf(request),
          request.params.endpointId,
          requestAuditContext(request),
        );
        return { endpoint: endpointView(rotated.endpoint), secret: rotated.secret };
      },
    );

    app.delete(
      "/api/accounts/:accountId/webhooks/:endpointId",
      {
        ...admins,
        schema: {
          tags,
          operationId: "deleteWebhookEndpoint",
          params: endpointParams,
          response: { 204: z.null(), 404: problemSchema },
        },
      },
      async (request, reply) => {
        await service.remove(
          targetAccountOf(request),
          request.params.endpointId,
          requestAuditContext(request),
        );
        return reply.code(204).send(null);
      },
    );

    app.get(
      "/api/accounts/:accountId/webhooks/:endpointId/deliveries",
      {
        ...admins,
        schema: {
          tags,
          operationId: "listWebhookDeliveries",
          description: "The endpoint's delivery log, newest first; cursor paging (docs/api.md, Pagination).",
          params: endpointParams,
          querystring: pageQuery(webhookDeliveryCursor),
          response: { 200: pageSchema(deliverySchema), 400: problemSchema, 404: problemSchema },
        },
      },
      async (request) => {
        const page = await service.deliveries(
          targetAccountOf(request),
          request.params.endpointId,
          request.query,
        );
        return { items: page.items.map(deliveryView), nextCursor: page.nextCursor };
      },
    );

    app.post(
      "/api/accounts/:accountId/webhooks/:endpointId/deliveries/:deliveryId/redeliver",
      {
        ...admins,
        schema: {
          tags,
          operationId: "redeliverWebhook",
          description:
            "Sends the delivery again: a new round of attempts (retried for 24 h), same `webhook-id`.",
          params: deliveryParams,
          response: { 202: z.object({ id: z.string(), status: z.literal("pending") }), 404: problemSchema },
        },
      },
      async (request, reply) => {
        const restarted = await service.redeliver(
          targetAccountOf(request),
          request.params.endpointId,
          request.params.deliveryId,
          requestAuditContext(request),
        );
        return reply.code(202).send({ id: restarted.id, status: "pending" as const });
      },
    );
  };
}
