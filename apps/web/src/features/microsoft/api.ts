import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export const microsoftKeys = {
  connection: (accountId: string) => ["microsoft-connection", accountId] as const,
  consentResult: (flowId: string) => ["consent-result", flowId] as const,
};

export const microsoftQueries = {
  connection: (accountId: string) =>
    queryOptions({
      queryKey: microsoftKeys.connection(accountId),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/microsoft/connection", { params: { path: { accountId } } }),
        ),
    }),
  /** How a consent flow ended (the page Microsoft redirects to); "unknown" is a flow the URL did not name. */
  consentResult: (flowId: string) =>
    queryOptions({
      queryKey: microsoftKeys.consentResult(flowId),
      queryFn: () =>
        unwrap(api.GET("/api/microsoft/consent-flows/{flowId}", { params: { path: { flowId } } })),
      enabled: flowId !== "unknown",
      retry: false,
    }),
};
