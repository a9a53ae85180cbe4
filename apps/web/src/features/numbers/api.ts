import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export const NUMBERS_PAGE_SIZE = 50;
export type NumberState = "available" | "reserved" | "assigned" | "quarantined";

export const numbersKeys = {
  all: (accountId: string) => ["numbers", accountId] as const,
  enterpriseChoices: (accountId: string) => ["numbers-enterprises", accountId] as const,
};

export const numbersQueries = {
  list: (accountId: string, search: string, state: NumberState | null, page: number) =>
    queryOptions({
      queryKey: [...numbersKeys.all(accountId), search, state, page],
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/numbers", {
            params: {
              path: { accountId },
              query: {
                search: search || undefined,
                state: state ?? undefined,
                page,
                pageSize: NUMBERS_PAGE_SIZE,
              },
            },
          }),
        ),
      placeholderData: keepPreviousData,
    }),
  /** The enterprises numbers can be allocated to (first 100). */
  enterpriseChoices: (accountId: string) =>
    queryOptions({
      queryKey: numbersKeys.enterpriseChoices(accountId),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/enterprises", {
            params: { path: { accountId }, query: { pageSize: 100 } },
          }),
        ),
    }),
};
