import { createRoute, createRouter, redirect } from "@tanstack/react-router";
import { apiKeysRoutes } from "../features/api-keys/routes";
import { brandingRoutes } from "../features/branding/routes";
import { bulkImportRoutes } from "../features/bulk-import/routes";
import { callLogsRoutes } from "../features/call-logs/routes";
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
import { usageRoutes } from "../features/usage/routes";
import { webhooksRoutes } from "../features/webhooks/routes";
import { ensureSession } from "./session";
import { accountRoute, rootRoute } from "./shell-routes";

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: async () => {
    const session = await ensureSession();
    if (!session) throw redirect({ to: "/sign-in" });
    throw redirect({ to: "/a/$accountId/dashboard", params: { accountId: session.account.id } });
  },
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
  ...identityRoutes,
  ...microsoftPublicRoutes,
  accountRoute.addChildren([
    accountIndexRoute,
    ...dashboardRoutes,
    ...enterprisesRoutes,
    ...trunksRoutes,
    ...teamsUsersRoutes,
    ...bulkImportRoutes,
    ...numbersRoutes,
    ...usageRoutes,
    ...callLogsRoutes,
    ...microsoftRoutes,
    ...operatorSettingsRoutes,
    ...preflightRoutes,
    ...settingsRoutes,
    ...apiKeysRoutes,
    ...webhooksRoutes,
    ...brandingRoutes,
    ...tenancyRoutes,
  ]),
]);

export const router = createRouter({ routeTree, defaultPreload: "intent" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
