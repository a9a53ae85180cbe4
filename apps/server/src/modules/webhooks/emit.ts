import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { accounts } from "../tenancy/index.js";
import type { WebhookEventDataOf, WebhookEventType } from "./events.js";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "./schema.js";

export interface WebhookEventInput<T extends WebhookEventType> {
  /** The account the change happened in; endpoints of it and of every account above it receive the event. */
  accountId: string;
  type: T;
  data: WebhookEventDataOf<T>;
}

/**
 * Records an event in the outbox IN THE CALLER'S TRANSACTION, with one pending delivery per enabled endpoint
 * that subscribed to its type and whose account is the event's account or above it. So an event exists
 * exactly when its change committed; the relay (relay.ts) queues the delivery jobs afterwards.
 */
export async function emitEvent<T extends WebhookEventType>(
  tx: Executor,
  event: WebhookEventInput<T>,
): Promise<void> {
  // One statement (the event, then its deliveries): every provisioning ends with one, inside its transaction.
  await tx.execute(sql`
    with event as (
      insert into ${webhookEvents} (account_id, type, data)
      values (${event.accountId}, ${event.type}, ${JSON.stringify(event.data)}::jsonb)
      returning id)
    insert into ${webhookDeliveries} (event_id, endpoint_id, account_id)
    select event.id, e.id, e.account_id
      from event, ${webhookEndpoints} e
      join ${accounts} owner on owner.id = e.account_id
      join ${accounts} origin on origin.id = ${event.accountId}
     where e.enabled and ${event.type} = any(e.event_types) and starts_with(origin.path, owner.path)`);
}
