import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { dashboardQueries } from "../dashboard/api";

/** The account acted in (name and kind), from the dashboard query every page shares. */
export function useActingAccount(accountId: string) {
  return useQuery(dashboardQueries.summary(accountId));
}

/**
 * Sends the browser to Microsoft for the admin consent of "Connect to Microsoft Teams"; with `anotherAccount`
 * Microsoft shows its account picker instead of reusing the account signed in to the browser.
 */
export async function connectToMicrosoft(accountId: string, options: { anotherAccount?: boolean } = {}) {
  const { authorizeUrl } = await unwrap(
    api.POST("/api/accounts/{accountId}/microsoft/connect", {
      params: {
        path: { accountId },
        query: options.anotherAccount ? { prompt: "select_account" } : {},
      },
    }),
  );
  window.location.assign(authorizeUrl);
}

/** "Connect a different Microsoft 365 tenant" (Admins only): the same consent, allowed to link another tenant. */
export async function replaceMicrosoftTenant(accountId: string) {
  const { authorizeUrl } = await unwrap(
    api.POST("/api/accounts/{accountId}/microsoft/replace-tenant", { params: { path: { accountId } } }),
  );
  window.location.assign(authorizeUrl);
}
