import { createRoute, lazyRouteComponent, redirect } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const enterprisesRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/enterprises",
    component: lazyRouteComponent(() => import("./EnterprisesPage"), "EnterprisesPage"),
  }),
  // Opening an enterprise switches into its account (the multitenant menu shows whose environment it is).
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/enterprises/$enterpriseId",
    beforeLoad: ({ params }) => {
      throw redirect({ to: "/a/$accountId/enterprise", params: { accountId: params.enterpriseId } });
    },
  }),
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/enterprise",
    component: lazyRouteComponent(() => import("./EnterpriseDetailPage"), "EnterpriseDetailPage"),
  }),
] as const;
