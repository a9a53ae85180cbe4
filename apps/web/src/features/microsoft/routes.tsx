import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { AuthorizationPage } from "./AuthorizationPage";
import { AuthorizeRequestPage, ConsentResultPage } from "./ConsentResultPage";

/** Inside the portal: the Teams icon's Authorization page. */
export function microsoftRoutes(parent: AnyRoute) {
  return [createRoute({ getParentRoute: () => parent, path: "/microsoft", component: AuthorizationPage })];
}

/** Outside the shell: where Microsoft redirects to, and the emailed authorization link. */
export function microsoftPublicRoutes(parent: AnyRoute) {
  return [
    createRoute({
      getParentRoute: () => parent,
      path: "/microsoft/result/$flowId",
      validateSearch: (search: Record<string, unknown>) => ({
        error: typeof search.error === "string" ? search.error : undefined,
      }),
      component: ConsentResultPage,
    }),
    createRoute({
      getParentRoute: () => parent,
      path: "/microsoft/authorize",
      component: AuthorizeRequestPage,
    }),
  ];
}
