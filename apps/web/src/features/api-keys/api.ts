import { queryOptions } from "@tanstack/react-query";
import { allPages } from "../../api/all-pages";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

export type ApiKey = components["schemas"]["ApiKey"];
export type ApiKeyRole = ApiKey["role"];

export const apiKeyKeys = {
  list: (accountId: string) => ["api-keys", accountId] as const,
};

export const apiKeyQueries = {
  /** The account's API keys (Settings › API keys, Admins only). */
  list: (accountId: string) =>
    queryOptions({
      queryKey: apiKeyKeys.list(accountId),
      queryFn: () =>
        allPages((query) =>
          unwrap(api.GET("/api/accounts/{accountId}/api-keys", { params: { path: { accountId }, query } })),
        ),
    }),
};

export interface NewApiKey {
  name: string;
  role: ApiKeyRole;
  expiresAt: string | null;
  allowedIpRanges: string[];
}

/** Creates a key; the answer's `key` is the only time the full key is ever shown. */
export function createApiKey(accountId: string, body: NewApiKey) {
  return unwrap(api.POST("/api/accounts/{accountId}/api-keys", { params: { path: { accountId } }, body }));
}

export function revokeApiKey(accountId: string, keyId: string) {
  return unwrap(
    api.POST("/api/accounts/{accountId}/api-keys/{keyId}/revoke", { params: { path: { accountId, keyId } } }),
  );
}
