import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { unwrapVersioned } from "../../api/etag";

export const ENTERPRISES_PAGE_SIZE = 20;
export type EnterprisesSort = "name" | "createdAt" | "status";
type Order = "asc" | "desc";

/** Setup states in which the Direct Routing setup is still moving (the checklist polls). */
const SETUP_ACTIVE = new Set(["queued", "running", "waiting"]);

export const enterprisesKeys = {
  list: (accountId: string) => ["enterprises", accountId] as const,
  enterprise: (accountId: string) => ["enterprise", accountId] as const,
  setup: (accountId: string) => ["direct-routing-setup", accountId] as const,
  teamsProfile: (accountId: string) => ["teams-profile", accountId] as const,
  trunkProfile: (accountId: string) => ["trunk-profile", accountId] as const,
};

const path = (accountId: string) => ({ params: { path: { accountId } } });

export const enterprisesQueries = {
  list: (accountId: string, search: string, sort: EnterprisesSort, order: Order, page: number) =>
    queryOptions({
      queryKey: [...enterprisesKeys.list(accountId), search, sort, order, page],
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/enterprises", {
            params: {
              path: { accountId },
              query: { search: search || undefined, sort, order, page, pageSize: ENTERPRISES_PAGE_SIZE },
            },
          }),
        ),
      placeholderData: keepPreviousData,
    }),
  enterprise: (accountId: string) =>
    queryOptions({
      queryKey: enterprisesKeys.enterprise(accountId),
      queryFn: () => unwrapVersioned(api.GET("/api/accounts/{accountId}/enterprise", path(accountId))),
      retry: false,
    }),
  /** The Direct Routing setup; polls while it runs or waits for Microsoft. */
  setup: (accountId: string) =>
    queryOptions({
      queryKey: enterprisesKeys.setup(accountId),
      queryFn: () => unwrap(api.GET("/api/accounts/{accountId}/direct-routing-setup", path(accountId))),
      refetchInterval: (query) =>
        query.state.data && SETUP_ACTIVE.has(query.state.data.status) ? 1500 : false,
    }),
  teamsProfile: (accountId: string) =>
    queryOptions({
      queryKey: enterprisesKeys.teamsProfile(accountId),
      queryFn: () => unwrapVersioned(api.GET("/api/accounts/{accountId}/teams-profile", path(accountId))),
    }),
  trunkProfile: (accountId: string) =>
    queryOptions({
      queryKey: enterprisesKeys.trunkProfile(accountId),
      queryFn: () => unwrapVersioned(api.GET("/api/accounts/{accountId}/trunk-profile", path(accountId))),
    }),
};
