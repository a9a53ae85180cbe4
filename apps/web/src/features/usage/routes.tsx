import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const usageRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/usage",
    component: lazyRouteComponent(() => import("./UsagePage"), "UsagePage"),
  }),
] as const;
