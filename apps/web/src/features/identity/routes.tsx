import { createRoute, lazyRouteComponent, redirect } from "@tanstack/react-router";
import { ensureSession } from "../../app/session";
import { rootRoute } from "../../app/shell-routes";
import { SignInPage } from "./SignInPage";

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

/** Loads the current session, if any, so the CSRF token is known before these pages post anything. */
const primeSession = async () => {
  await ensureSession().catch(() => null);
};

export const identityRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/sign-in",
    validateSearch: (search: Record<string, unknown>): { redirect?: string } => ({
      redirect: text(search.redirect),
    }),
    // Already signed in: straight to the portal.
    beforeLoad: async () => {
      const session = await ensureSession().catch(() => null);
      if (session)
        throw redirect({ to: "/a/$accountId/dashboard", params: { accountId: session.account.id } });
    },
    component: SignInPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/sign-in/microsoft",
    validateSearch: (search: Record<string, unknown>): { error?: string; enabled?: string } => ({
      error: text(search.error),
      // `?enabled=1` arrives parsed as a number.
      enabled: search.enabled === undefined ? undefined : String(search.enabled),
    }),
    beforeLoad: primeSession,
    component: lazyRouteComponent(() => import("./MicrosoftSignInPage"), "MicrosoftSignInPage"),
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/activate",
    validateSearch: (search: Record<string, unknown>): { token?: string } => ({ token: text(search.token) }),
    beforeLoad: primeSession,
    component: lazyRouteComponent(() => import("./ActivatePage"), "ActivatePage"),
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/forgot-password",
    validateSearch: (search: Record<string, unknown>): { username?: string } => ({
      username: text(search.username),
    }),
    beforeLoad: primeSession,
    component: lazyRouteComponent(() => import("./ForgotPasswordPage"), "ForgotPasswordPage"),
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/reset-password",
    validateSearch: (search: Record<string, unknown>): { token?: string } => ({ token: text(search.token) }),
    beforeLoad: primeSession,
    component: lazyRouteComponent(() => import("./ResetPasswordPage"), "ResetPasswordPage"),
  }),
] as const;
