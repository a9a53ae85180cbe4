import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { allPages } from "../../api/all-pages";
import { api, unwrap } from "../../api/client";

export interface AuditFilters {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

export const settingsKeys = {
  portalUsers: (accountId: string) => ["users", accountId] as const,
  audit: (accountId: string, filters: AuditFilters) => ["audit", accountId, filters] as const,
};

export const settingsQueries = {
  /** The account's portal users (User Management). */
  portalUsers: (accountId: string) =>
    queryOptions({
      queryKey: settingsKeys.portalUsers(accountId),
      queryFn: () =>
        allPages((query) =>
          unwrap(api.GET("/api/accounts/{accountId}/users", { params: { path: { accountId }, query } })),
        ),
    }),
  /** Audit events, newest first, a page per cursor. */
  audit: (accountId: string, filters: AuditFilters) =>
    infiniteQueryOptions({
      queryKey: settingsKeys.audit(accountId, filters),
      initialPageParam: undefined as string | undefined,
      queryFn: ({ pageParam }) =>
        unwrap(
          api.GET("/api/accounts/{accountId}/audit", {
            params: {
              path: { accountId },
              query: { ...filters, ...(pageParam ? { cursor: pageParam } : {}) },
            },
          }),
        ),
      getNextPageParam: (last) => last.nextCursor ?? undefined,
    }),
};
