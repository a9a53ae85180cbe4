import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { SignInPage } from "./SignInPage";

export function identityRoutes(parent: AnyRoute) {
  return [
    createRoute({
      getParentRoute: () => parent,
      path: "/sign-in",
      validateSearch: (search: Record<string, unknown>) => ({
        redirect: typeof search.redirect === "string" ? search.redirect : undefined,
      }),
      component: SignInPage,
    }),
  ];
}
