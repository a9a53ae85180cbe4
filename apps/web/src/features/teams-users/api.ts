import { type QueryClient, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { unwrapVersioned } from "../../api/etag";
import { dashboardKeys } from "../dashboard/api";
import { isBusy, teamsUsersKeys, usersListQuery } from "./list-query";

export {
  PAGE_SIZE,
  type TeamsUserRow,
  type TeamsUsersFilter,
  type TeamsUsersPage,
  teamsUsersKeys,
} from "./list-query";

export const teamsUsersQueries = {
  list: usersListQuery,
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
