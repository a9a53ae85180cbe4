import { keepPreviousData, type QueryClient, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { unwrapVersioned } from "../../api/etag";
import type { paths } from "../../api/schema";
import { dashboardKeys } from "../dashboard/api";

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

const isBusy = (status: string | undefined) => status === "queued" || status === "running";

export const teamsUsersQueries = {
  /**
   * One page of synced Teams users, from `cursor` (the previous page's `nextCursor`; none for the first page):
   * keyset paging, as cheap deep in the list as at its start. Polls while a sync or a provisioning runs.
   */
  list: (accountId: string, search: string, filter: TeamsUsersFilter, cursor: string | undefined) =>
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
          isBusy(data?.sync?.status) ||
          data?.items.some((i) => i.provisioned && isBusy(i.provisioned.status));
        return busy ? 1000 : false;
      },
    }),
  /** One provisioned user with its version (`etag`); polls while its provisioning runs. */
  user: (accountId: string, userId: string) =>
    queryOptions({
      queryKey: teamsUsersKeys.user(accountId, userId),
      queryFn: () =>
        unwrapVersioned(
          api.GET("/api/accounts/{accountId}/teams-users/{userId}", {
            params: { path: { accountId, userId } },
          }),
        ),
      refetchInterval: (q) => (isBusy(q.state.data?.status) ? 1000 : false),
    }),
  formOptions: (accountId: string) =>
    queryOptions({
      queryKey: teamsUsersKeys.formOptions(accountId),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/teams-users/form-options", { params: { path: { accountId } } }),
        ),
    }),
  eligible: (accountId: string, q: string) =>
    queryOptions({
      queryKey: teamsUsersKeys.eligible(accountId, q),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/teams-users/eligible", {
            params: { path: { accountId }, query: { q } },
          }),
        ),
    }),
  availableNumbers: (accountId: string, prefix: string) =>
    queryOptions({
      queryKey: teamsUsersKeys.numbers(accountId, prefix),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/teams-users/available-numbers", {
            params: { path: { accountId }, query: { prefix } },
          }),
        ),
    }),
  phoneNumberSuggestion: (accountId: string, sipUser: string) =>
    queryOptions({
      queryKey: teamsUsersKeys.suggestion(accountId, sipUser),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/teams-users/phone-number-suggestion", {
            params: { path: { accountId }, query: { sipUser } },
          }),
        ),
    }),
};

export type UserAction = "enable" | "disable" | "retry" | "remove";

/** The row and page actions on one provisioned user. */
export async function runUserAction(accountId: string, userId: string, action: UserAction): Promise<void> {
  const params = { path: { accountId, userId } };
  if (action === "enable")
    await unwrap(api.POST("/api/accounts/{accountId}/teams-users/{userId}/enable-calling", { params }));
  else if (action === "disable")
    await unwrap(api.POST("/api/accounts/{accountId}/teams-users/{userId}/disable-calling", { params }));
  else if (action === "retry")
    await unwrap(api.POST("/api/accounts/{accountId}/teams-users/{userId}/retry", { params }));
  else await unwrap(api.DELETE("/api/accounts/{accountId}/teams-users/{userId}", { params }));
}

export const startSync = (accountId: string) =>
  unwrap(api.POST("/api/accounts/{accountId}/teams-users/sync", { params: { path: { accountId } } }));

/** After a change to users: the lists, the user pages and the dashboard's counts are stale. */
export async function invalidateTeamsUsers(queryClient: QueryClient, accountId: string) {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: teamsUsersKeys.all(accountId) }),
    queryClient.invalidateQueries({ queryKey: dashboardKeys.all(accountId) }),
  ]);
}
