/**
 * The public surface of webhooks (account layer, so every higher module may emit): `emitEvent` (inside the
 * transaction that made the change), the event types and payload schemas, the routes, the delivery job and
 * the outbox relay.
 */
export type { PrivateAddressPolicy } from "./address-guard.js";
export { webhookDeliveryJob, webhookDeliveryJobRef } from "./delivery.js";
export { emitEvent, type WebhookEventInput } from "./emit.js";
export {
  type WebhookEventDataOf,
  type WebhookEventType,
  webhookEventData,
  webhookEventTypes,
  webhookPayloadSchema,
} from "./events.js";
export { startWebhookRelay } from "./relay.js";
export { webhookRoutes } from "./routes.js";
