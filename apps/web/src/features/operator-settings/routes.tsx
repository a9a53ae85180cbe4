import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const operatorSettingsRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/operator-settings",
    component: lazyRouteComponent(() => import("./OperatorSettingsPage"), "OperatorSettingsPage"),
  }),
] as const;
