import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const preflightRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/preflight",
    component: lazyRouteComponent(() => import("./PreflightPage"), "PreflightPage"),
  }),
] as const;
