import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

const REFRESH_MS = 10_000;

export const sbcKeys = {
  status: (enterpriseId: string) => ["sbc-status", enterpriseId] as const,
};

export const sbcQueries = {
  /** The enterprise's trunk as the SBC sees it, refreshed every 10 s. */
  status: (enterpriseId: string) =>
    queryOptions({
      queryKey: sbcKeys.status(enterpriseId),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/sbc/status", { params: { path: { accountId: enterpriseId } } }),
        ),
      refetchInterval: REFRESH_MS,
    }),
};
