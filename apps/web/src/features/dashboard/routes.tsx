import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const dashboardRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/dashboard",
    component: lazyRouteComponent(() => import("./DashboardPage"), "DashboardPage"),
  }),
] as const;
