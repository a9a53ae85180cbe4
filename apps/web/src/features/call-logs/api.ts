import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

type ListOperation = paths["/api/accounts/{accountId}/call-logs"]["get"];
export type CallLogPage = ListOperation["responses"][200]["content"]["application/json"];
export type CallLog = CallLogPage["items"][number];
/** The filters of the list and the export (the same query string). */
export type CallLogFilters = Omit<NonNullable<ListOperation["parameters"]["query"]>, "cursor" | "limit">;

export const PAGE_SIZE = 50;

/** Query keys of the call logs. */
export const callLogsKeys = {
  all: (accountId: string) => ["call-logs", accountId] as const,
  page: (accountId: string, filters: CallLogFilters, cursor: string | undefined) =>
    [...callLogsKeys.all(accountId), filters, cursor ?? null] as const,
};

export const callLogsQueries = {
  page: (accountId: string, filters: CallLogFilters, cursor: string | undefined) =>
    queryOptions({
      queryKey: callLogsKeys.page(accountId, filters, cursor),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/call-logs", {
            params: { path: { accountId }, query: { ...filters, cursor, limit: PAGE_SIZE } },
          }),
        ),
      placeholderData: keepPreviousData,
    }),
};

/** The CSV of the same filters (a plain link: the session cookie authenticates a GET). */
export function callLogsCsvHref(accountId: string, filters: CallLogFilters): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) query.set(key, String(value));
  const search = query.toString();
  return `/api/accounts/${accountId}/call-logs.csv${search ? `?${search}` : ""}`;
}
