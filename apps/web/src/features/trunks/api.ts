import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export const TRUNKS_PAGE_SIZE = 20;

export const trunksQueries = {
  list: (accountId: string, search: string, page: number) =>
    queryOptions({
      queryKey: ["trunk-profiles", accountId, search, page] as const,
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/trunk-profiles", {
            params: {
              path: { accountId },
              query: { search: search || undefined, page, pageSize: TRUNKS_PAGE_SIZE },
            },
          }),
        ),
      placeholderData: keepPreviousData,
    }),
};
