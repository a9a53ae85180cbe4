import { createRoute } from "@tanstack/react-router";
import { accountRoute, rootRoute } from "../../app/shell-routes";
import { AuthorizationPage } from "./AuthorizationPage";
import { AuthorizeRequestPage, ConsentResultPage } from "./ConsentResultPage";

/** Inside the portal: the Teams icon's Authorization page. */
export const microsoftRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/microsoft", component: AuthorizationPage }),
] as const;

/** Outside the shell: where Microsoft redirects to, and the emailed authorization link. */
export const microsoftPublicRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/microsoft/result/$flowId",
    validateSearch: (search: Record<string, unknown>): { error?: string } => ({
      error: typeof search.error === "string" ? search.error : undefined,
    }),
    component: ConsentResultPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/microsoft/authorize",
    component: AuthorizeRequestPage,
  }),
] as const;
