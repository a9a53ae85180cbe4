import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const callLogsRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/call-logs",
    component: lazyRouteComponent(() => import("./CallLogsPage"), "CallLogsPage"),
  }),
] as const;
