import { queryClient } from "../../app/query-client";
import { filterFrom } from "./filters";
import { usersListQuery } from "./list-query";

/**
 * Starts the Users page's first request (page 1, no search, the URL's filter) from the route's loader, so it
 * runs while the page's code downloads instead of after it; the page's own query is the same one and takes
 * the answer (or the request in flight).
 */
export function prefetchFirstUsersPage(accountId: string, filter: string | undefined): Promise<void> {
  return queryClient.prefetchQuery(usersListQuery(accountId, "", filterFrom(filter), undefined));
}
