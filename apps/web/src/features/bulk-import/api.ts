import { type QueryClient, queryOptions } from "@tanstack/react-query";
import type { Middleware } from "openapi-fetch";
import { api, unwrap } from "../../api/client";

export const IMPORT_PAGE_SIZE = 100;

export const bulkImportKeys = {
  import: (accountId: string, importId: string) => ["users-import", accountId, importId] as const,
};

export const bulkImportQueries = {
  /** One page of an import's rows (or of its errors); polls while the import is applied. */
  rows: (accountId: string, importId: string, errorsOnly: boolean, page: number) =>
    queryOptions({
      queryKey: [...bulkImportKeys.import(accountId, importId), errorsOnly, page],
      queryFn: () =>
        unwrap(
          api.GET("/api/accounts/{accountId}/teams-users/imports/{importId}", {
            params: {
              path: { accountId, importId },
              query: { errorsOnly: errorsOnly ? "true" : "false", page, pageSize: IMPORT_PAGE_SIZE },
            },
          }),
        ),
      refetchInterval: (q) => (q.state.data?.import.status === "applying" ? 1000 : false),
    }),
};

/**
 * The file goes up as the request body (text/csv), streamed and validated row by row by the server. The API
 * document describes no JSON body for it, so a request middleware puts the file in; the client's CSRF
 * middleware has set the header by then.
 */
export function uploadUsersCsv(accountId: string, file: File) {
  const csvBody: Middleware = {
    onRequest({ request }) {
      const withFile = new Request(request, { body: file });
      withFile.headers.set("content-type", "text/csv");
      return withFile;
    },
  };
  return unwrap(
    api.POST("/api/accounts/{accountId}/teams-users/imports", {
      params: { path: { accountId }, query: { fileName: file.name } },
      middleware: [csvBody],
    }),
  );
}

export const applyImport = (accountId: string, importId: string) =>
  unwrap(
    api.POST("/api/accounts/{accountId}/teams-users/imports/{importId}/apply", {
      params: { path: { accountId, importId } },
    }),
  );

export const resumeImport = (accountId: string, importId: string) =>
  unwrap(
    api.POST("/api/accounts/{accountId}/teams-users/imports/{importId}/resume", {
      params: { path: { accountId, importId } },
    }),
  );

export const invalidateImport = (queryClient: QueryClient, accountId: string, importId: string) =>
  queryClient.invalidateQueries({ queryKey: bulkImportKeys.import(accountId, importId) });
