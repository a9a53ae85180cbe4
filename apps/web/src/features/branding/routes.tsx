import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const brandingRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/settings/branding",
    component: lazyRouteComponent(() => import("./BrandingPage"), "BrandingPage"),
  }),
] as const;
