import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

/** Query keys of the dashboard; other features invalidate `all(accountId)` when their counts change. */
export const dashboardKeys = {
  all: (accountId: string) => ["dashboard", accountId] as const,
};

export const dashboardQueries = {
  summary: (accountId: string) =>
    queryOptions({
      queryKey: dashboardKeys.all(accountId),
      queryFn: () =>
        unwrap(api.GET("/api/accounts/{accountId}/dashboard", { params: { path: { accountId } } })),
    }),
};
