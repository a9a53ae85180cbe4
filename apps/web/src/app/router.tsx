import { createRootRoute, createRoute, createRouter, Outlet, redirect } from "@tanstack/react-router";
import { bulkImportRoutes } from "../features/bulk-import/routes";
import { dashboardRoutes } from "../features/dashboard/routes";
import { enterprisesRoutes } from "../features/enterprises/routes";
import { identityRoutes } from "../features/identity/routes";
import { microsoftPublicRoutes, microsoftRoutes } from "../features/microsoft/routes";
import { numbersRoutes } from "../features/numbers/routes";
import { operatorSettingsRoutes } from "../features/operator-settings/routes";
import { preflightRoutes } from "../features/preflight/routes";
import { settingsRoutes } from "../features/settings/routes";
import { teamsUsersRoutes } from "../features/teams-users/routes";
import { tenancyRoutes } from "../features/tenancy/routes";
import { trunksRoutes } from "../features/trunks/routes";
import { AppLayout } from "../layout/AppLayout";
import { NotFound } from "../layout/NotFound";
import { ensureSession } from "./session";

export const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: async () => {
    const session = await ensureSession();
    if (!session) throw redirect({ to: "/sign-in" });
    throw redirect({ to: "/a/$accountId/dashboard", params: { accountId: session.account.id } });
  },
});

/**
 * Everything inside the portal lives under /a/{accountId}: the account being acted in.
 * Switching account (the multitenant menu) changes only this segment.
 */
export const accountRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/a/$accountId",
  beforeLoad: async ({ location }) => {
    const session = await ensureSession();
    if (!session) throw redirect({ to: "/sign-in", search: { redirect: location.href } });
    return { session };
  },
  component: AppLayout,
});

const accountIndexRoute = createRoute({
  getParentRoute: () => accountRoute,
  path: "/",
  beforeLoad: ({ params }) => {
    throw redirect({ to: "/a/$accountId/dashboard", params });
  },
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  ...identityRoutes(rootRoute),
  ...microsoftPublicRoutes(rootRoute),
  accountRoute.addChildren([
    accountIndexRoute,
    ...dashboardRoutes(accountRoute),
    ...enterprisesRoutes(accountRoute),
    ...trunksRoutes(accountRoute),
    ...teamsUsersRoutes(accountRoute),
    ...bulkImportRoutes(accountRoute),
    ...numbersRoutes(accountRoute),
    ...microsoftRoutes(accountRoute),
    ...operatorSettingsRoutes(accountRoute),
    ...preflightRoutes(accountRoute),
    ...settingsRoutes(accountRoute),
    ...tenancyRoutes(accountRoute),
  ]),
]);

export const router = createRouter({ routeTree, defaultPreload: "intent" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
