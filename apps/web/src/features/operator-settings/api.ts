import { queryOptions, useQuery } from "@tanstack/react-query";
import { allPages } from "../../api/all-pages";
import { api, unwrap } from "../../api/client";

export const operatorSettingsKeys = {
  settings: (accountId: string) => ["operator-settings", accountId] as const,
  sbcRegions: (accountId: string) => ["sbc-regions", accountId] as const,
  carrierTrunk: (accountId: string) => ["carrier-trunk", accountId] as const,
};

const path = (accountId: string) => ({ params: { path: { accountId } } });

export const operatorSettingsQueries = {
  settings: (accountId: string) =>
    queryOptions({
      queryKey: operatorSettingsKeys.settings(accountId),
      queryFn: () => unwrap(api.GET("/api/accounts/{accountId}/operator-settings", path(accountId))),
      retry: false,
    }),
  /** The operator's SBC regions (also the Regions an enterprise is offered). */
  sbcRegions: (accountId: string) =>
    queryOptions({
      queryKey: operatorSettingsKeys.sbcRegions(accountId),
      queryFn: () =>
        allPages((query) =>
          unwrap(
            api.GET("/api/accounts/{accountId}/sbc-regions", { params: { path: { accountId }, query } }),
          ),
        ),
    }),
  /** The carrier trunk; polls while the SBC is being configured. */
  carrierTrunk: (accountId: string) =>
    queryOptions({
      queryKey: operatorSettingsKeys.carrierTrunk(accountId),
      queryFn: () => unwrap(api.GET("/api/accounts/{accountId}/carrier-trunk", path(accountId))),
      refetchInterval: (query) => (query.state.data?.state === "configuring" ? 2000 : false),
    }),
};

/** The SBC regions, as the forms that pick one (an enterprise's Regions, a Teams profile) offer them. */
export function useRegions(accountId: string) {
  return useQuery(operatorSettingsQueries.sbcRegions(accountId));
}
