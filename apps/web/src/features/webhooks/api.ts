import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { allPages } from "../../api/all-pages";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

export type WebhookEndpoint = components["schemas"]["WebhookEndpoint"];
export type WebhookDelivery = components["schemas"]["WebhookDelivery"];
export type WebhookEventType = WebhookEndpoint["eventTypes"][number];

export const webhookKeys = {
  all: (accountId: string) => ["webhooks", accountId] as const,
  list: (accountId: string) => ["webhooks", accountId, "endpoints"] as const,
  eventTypes: (accountId: string) => ["webhooks", accountId, "event-types"] as const,
  deliveries: (accountId: string, endpointId: string) =>
    ["webhooks", accountId, "deliveries", endpointId] as const,
};

export const webhookQueries = {
  /** The account's endpoints (Settings › Webhooks, Admins only). */
  list: (accountId: string) =>
    queryOptions({
      queryKey: webhookKeys.list(accountId),
      queryFn: () =>
        allPages((query) =>
          unwrap(api.GET("/api/accounts/{accountId}/webhooks", { params: { path: { accountId }, query } })),
        ),
    }),
  eventTypes: (accountId: string) =>
    queryOptions({
      queryKey: webhookKeys.eventTypes(accountId),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/webhooks/event-types", { params: { path: { accountId } } }),
        ),
      staleTime: Number.POSITIVE_INFINITY,
    }),
  /** The endpoint's delivery log, newest first, a page per cursor ("Load older deliveries"); refreshed every 2 s. */
  deliveries: (accountId: string, endpointId: string) =>
    infiniteQueryOptions({
      queryKey: webhookKeys.deliveries(accountId, endpointId),
      initialPageParam: undefined as string | undefined,
      queryFn: ({ pageParam }) =>
        unwrap(
          api.GET("/api/accounts/{accountId}/webhooks/{endpointId}/deliveries", {
            params: { path: { accountId, endpointId }, query: pageParam ? { cursor: pageParam } : {} },
          }),
        ),
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      refetchInterval: 2000,
    }),
};

export interface EndpointInput {
  url: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  description: string;
}

/** Adds an endpoint; the answer's `secret` is the only time it is shown. */
export function createEndpoint(accountId: string, body: EndpointInput) {
  return unwrap(api.POST("/api/accounts/{accountId}/webhooks", { params: { path: { accountId } }, body }));
}

export function updateEndpoint(accountId: string, endpointId: string, body: Partial<EndpointInput>) {
  return unwrap(
    api.PATCH("/api/accounts/{accountId}/webhooks/{endpointId}", {
      params: { path: { accountId, endpointId } },
      body,
    }),
  );
}

export function deleteEndpoint(accountId: string, endpointId: string) {
  return unwrap(
    api.DELETE("/api/accounts/{accountId}/webhooks/{endpointId}", {
      params: { path: { accountId, endpointId } },
    }),
  );
}

export function rotateSecret(accountId: string, endpointId: string) {
  return unwrap(
    api.POST("/api/accounts/{accountId}/webhooks/{endpointId}/rotate-secret", {
      params: { path: { accountId, endpointId } },
    }),
  );
}

export function redeliver(accountId: string, endpointId: string, deliveryId: string) {
  return unwrap(
    api.POST("/api/accounts/{accountId}/webhooks/{endpointId}/deliveries/{deliveryId}/redeliver", {
      params: { path: { accountId, endpointId, deliveryId } },
    }),
  );
}
