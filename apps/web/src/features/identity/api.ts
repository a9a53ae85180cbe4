import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

export const identityKeys = {
  activationLink: (token: string | undefined) => ["activation-link", token] as const,
  sessions: () => ["my-sessions"] as const,
  twoFactor: () => ["two-factor"] as const,
  accountSecurity: (accountId: string) => ["account-security", accountId] as const,
  microsoftSignIn: (accountId: string) => ["microsoft-sign-in", accountId] as const,
};

export const identityQueries = {
  /** Whether an emailed activation link can still be used; checked once on load. */
  activationLink: (token: string | undefined) =>
    queryOptions({
      queryKey: identityKeys.activationLink(token),
      queryFn: () => unwrap(api.POST("/api/auth/activation-link", { body: { token: token ?? "" } })),
      enabled: Boolean(token),
      retry: false,
      staleTime: Number.POSITIVE_INFINITY,
    }),
  sessions: () =>
    queryOptions({
      queryKey: identityKeys.sessions(),
      queryFn: () => unwrap(api.GET("/api/session/sessions")),
    }),
  twoFactor: () =>
    queryOptions({
      queryKey: identityKeys.twoFactor(),
      queryFn: () => unwrap(api.GET("/api/me/two-factor")),
    }),
  accountSecurity: (accountId: string) =>
    queryOptions({
      queryKey: identityKeys.accountSecurity(accountId),
      queryFn: () =>
        unwrap(api.GET("/api/accounts/{accountId}/security", { params: { path: { accountId } } })),
      retry: false,
    }),
  microsoftSignIn: (accountId: string) =>
    queryOptions({
      queryKey: identityKeys.microsoftSignIn(accountId),
      queryFn: () =>
        unwrap(api.GET("/api/accounts/{accountId}/microsoft-sign-in", { params: { path: { accountId } } })),
    }),
};
