import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { allPages } from "../../api/all-pages";
import { api, unwrap } from "../../api/client";

export const tenancyKeys = {
  partners: (accountId: string) => ["partners", accountId] as const,
  /** Every account-switcher list (levels and searches), invalidated when an account is added. */
  switchable: () => ["switchable"] as const,
};

function fetchSwitchable(scopeId: string, query: { parentId?: string; search?: string; cursor?: string }) {
  return unwrap(
    api.GET("/api/accounts/{accountId}/switchable", { params: { path: { accountId: scopeId }, query } }),
  );
}
export type SwitchableAccount = Awaited<ReturnType<typeof fetchSwitchable>>["items"][number];

const switchable = (
  scopeId: string,
  kind: "level" | "search",
  query: { parentId?: string; search?: string },
) =>
  infiniteQueryOptions({
    queryKey: [...tenancyKeys.switchable(), scopeId, kind, query.parentId ?? query.search ?? ""],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      fetchSwitchable(scopeId, { ...query, ...(pageParam ? { cursor: pageParam } : {}) }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

export const tenancyQueries = {
  partners: (accountId: string) =>
    queryOptions({
      queryKey: tenancyKeys.partners(accountId),
      queryFn: () =>
        allPages((query) =>
          unwrap(api.GET("/api/accounts/{accountId}/partners", { params: { path: { accountId }, query } })),
        ),
    }),
  /** One level of the account tree under `parentId`, as the switcher shows it. */
  switchableLevel: (scopeId: string, parentId: string) => switchable(scopeId, "level", { parentId }),
  /** Accounts under `scopeId` matching `search`. */
  switchableSearch: (scopeId: string, search: string) => switchable(scopeId, "search", { search }),
};
