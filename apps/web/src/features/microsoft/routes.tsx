import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute, rootRoute } from "../../app/shell-routes";

/** Inside the portal: the Teams icon's Authorization page. */
export const microsoftRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/microsoft",
    component: lazyRouteComponent(() => import("./AuthorizationPage"), "AuthorizationPage"),
  }),
] as const;

/** Outside the shell: where Microsoft redirects to, and the emailed authorization link. */
export const microsoftPublicRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/microsoft/result/$flowId",
    validateSearch: (search: Record<string, unknown>): { error?: string } => ({
      error: typeof search.error === "string" ? search.error : undefined,
    }),
    component: lazyRouteComponent(() => import("./ConsentResultPage"), "ConsentResultPage"),
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/microsoft/authorize",
    component: lazyRouteComponent(() => import("./ConsentResultPage"), "AuthorizeRequestPage"),
  }),
] as const;
