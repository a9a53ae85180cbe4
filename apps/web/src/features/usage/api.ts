import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

export type UsageReport =
  paths["/api/accounts/{accountId}/usage"]["get"]["responses"][200]["content"]["application/json"];
export type UsageFigures = Pick<
  UsageReport["total"],
  "callingEnabledPeak" | "callingEnabledEnd" | "numbersAssigned" | "sipDevices" | "minutes"
>;

/** Query keys of the usage report. */
export const usageKeys = {
  all: (accountId: string) => ["usage", accountId] as const,
  month: (accountId: string, month: string) => [...usageKeys.all(accountId), month] as const,
};

export const usageQueries = {
  report: (accountId: string, month: string) =>
    queryOptions({
      queryKey: usageKeys.month(accountId, month),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/usage", {
            params: { path: { accountId }, query: { month } },
          }),
        ),
    }),
};

/** The CSV of the same report (a plain link: the session cookie authenticates a GET). */
export const usageCsvHref = (accountId: string, month: string) =>
  `/api/accounts/${accountId}/usage.csv?month=${encodeURIComponent(month)}`;

/** The current month in UTC (the report's clock), as YYYY-MM. */
export const currentMonth = () => new Date().toISOString().slice(0, 7);
