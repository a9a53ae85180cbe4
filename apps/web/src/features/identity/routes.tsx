import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { ActivatePage } from "./ActivatePage";
import { ForgotPasswordPage } from "./ForgotPasswordPage";
import { ResetPasswordPage } from "./ResetPasswordPage";
import { SignInPage } from "./SignInPage";

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

export function identityRoutes(parent: AnyRoute) {
  return [
    createRoute({
      getParentRoute: () => parent,
      path: "/sign-in",
      validateSearch: (search: Record<string, unknown>) => ({ redirect: text(search.redirect) }),
      component: SignInPage,
    }),
    createRoute({
      getParentRoute: () => parent,
      path: "/activate",
      validateSearch: (search: Record<string, unknown>) => ({ token: text(search.token) }),
      component: ActivatePage,
    }),
    createRoute({
      getParentRoute: () => parent,
      path: "/forgot-password",
      validateSearch: (search: Record<string, unknown>) => ({ username: text(search.username) }),
      component: ForgotPasswordPage,
    }),
    createRoute({
      getParentRoute: () => parent,
      path: "/reset-password",
      validateSearch: (search: Record<string, unknown>) => ({ token: text(search.token) }),
      component: ResetPasswordPage,
    }),
  ];
}
