import { type AnyRoute, createRoute, redirect } from "@tanstack/react-router";
import { EnterpriseDetailPage } from "./EnterpriseDetailPage";
import { EnterprisesPage } from "./EnterprisesPage";

export function enterprisesRoutes(parent: AnyRoute) {
  return [
    createRoute({ getParentRoute: () => parent, path: "/enterprises", component: EnterprisesPage }),
    // Opening an enterprise switches into its account (the multitenant menu shows whose environment it is).
    createRoute({
      getParentRoute: () => parent,
      path: "/enterprises/$enterpriseId",
      beforeLoad: ({ params }) => {
        throw redirect({
          to: "/a/$accountId/enterprise",
          params: { accountId: (params as { enterpriseId: string }).enterpriseId },
        });
      },
    }),
    createRoute({ getParentRoute: () => parent, path: "/enterprise", component: EnterpriseDetailPage }),
  ];
}
