import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const tenancyRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/partners",
    component: lazyRouteComponent(() => import("./PartnersPage"), "PartnersPage"),
  }),
] as const;
