// The Users list's query on its own (no other page's code), so the route's loader can start the first page's
// request from the entry chunk (prefetch.ts) while the page's code downloads.
import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

type ListQuery = NonNullable<paths["/api/accounts/{accountId}/teams-users"]["get"]["parameters"]["query"]>;
export type TeamsUsersFilter = NonNullable<ListQuery["filter"]>;

export type TeamsUsersPage =
  paths["/api/accounts/{accountId}/teams-users"]["get"]["responses"]["200"]["content"]["application/json"];
export type TeamsUserRow = TeamsUsersPage["items"][number];

export const PAGE_SIZE = 50;

export const teamsUsersKeys = {
  all: (accountId: string) => ["teams-users", accountId] as const,
  list: (accountId: string, search: string, filter: string, cursor: string | undefined) =>
    [...teamsUsersKeys.all(accountId), "list", search, filter, cursor ?? ""] as const,
  user: (accountId: string, userId: string) => [...teamsUsersKeys.all(accountId), "user", userId] as const,
  formOptions: (accountId: string) => ["teams-users-form", accountId, "options"] as const,
  eligible: (accountId: string, q: string) => ["teams-users-form", accountId, "eligible", q] as const,
  numbers: (accountId: string, prefix: string) => ["teams-users-form", accountId, "numbers", prefix] as const,
  suggestion: (accountId: string, sipUser: string) =>
    ["teams-users-form", accountId, "suggestion", sipUser] as const,
};

export const isBusy = (status: string | undefined) => status === "queued" || status === "running";

/**
 * One page of synced Teams users, from `cursor` (the previous page's `nextCursor`; none for the first page):
 * keyset paging, as cheap deep in the list as at its start. Polls while a sync or a provisioning runs.
 */
export const usersListQuery = (
  accountId: string,
  search: string,
  filter: TeamsUsersFilter,
  cursor: string | undefined,
) =>
  queryOptions({
    queryKey: teamsUsersKeys.list(accountId, search, filter, cursor),
    queryFn: () =>
      unwrap(
        api.GET("/api/accounts/{accountId}/teams-users", {
          params: {
            path: { accountId },
            query: { search: search || undefined, filter, cursor, pageSize: PAGE_SIZE },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => {
      const data = query.state.data;
      const busy =
        isBusy(data?.sync?.status) || data?.items.some((i) => i.provisioned && isBusy(i.provisioned.status));
      return busy ? 1000 : false;
    },
  });
