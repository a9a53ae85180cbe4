import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export const pbxDirectoryKeys = {
  all: (accountId: string) => ["pbx-directory", accountId] as const,
  users: (accountId: string, q: string) => [...pbxDirectoryKeys.all(accountId), "users", q] as const,
  source: (accountId: string) => ["pbx-directory-source", accountId] as const,
};

export const pbxDirectoryQueries = {
  /** The first page (50) of PBX users (extension, name, caller ID) matching `q`: Add User's SIP User suggestions. */
  users: (accountId: string, q: string) =>
    queryOptions({
      queryKey: pbxDirectoryKeys.users(accountId, q),
      queryFn: async () =>
        (
          await unwrap(
            api.GET("/api/accounts/{accountId}/pbx-directory", {
              params: { path: { accountId }, query: { q } },
            }),
          )
        ).items,
    }),
  /** Where the directory comes from; polls until the first sync of a directory URL ends. */
  source: (accountId: string) =>
    queryOptions({
      queryKey: pbxDirectoryKeys.source(accountId),
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/pbx-directory/source", { params: { path: { accountId } } }),
        ),
      refetchInterval: (query) => (query.state.data && !query.state.data.lastSyncedAt ? 2000 : false),
    }),
};
