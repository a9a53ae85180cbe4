import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const apiKeysRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/settings/api-keys",
    component: lazyRouteComponent(() => import("./ApiKeysPage"), "ApiKeysPage"),
  }),
] as const;
