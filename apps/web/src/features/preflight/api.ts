import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export const preflightQueries = {
  /** The preflight report; run on demand, not on window focus. */
  report: (accountId: string) =>
    queryOptions({
      queryKey: ["preflight", accountId] as const,
      queryFn: () =>
        unwrap(api.GET("/api/accounts/{accountId}/preflight", { params: { path: { accountId } } })),
      retry: false,
      refetchOnWindowFocus: false,
    }),
};
