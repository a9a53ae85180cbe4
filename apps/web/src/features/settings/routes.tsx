import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const settingsRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/settings/users",
    component: lazyRouteComponent(() => import("./UserManagementPage"), "UserManagementPage"),
  }),
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/settings/audit",
    component: lazyRouteComponent(() => import("./AuditLogPage"), "AuditLogPage"),
  }),
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/settings/security",
    component: lazyRouteComponent(() => import("./SecurityPage"), "SecurityPage"),
  }),
] as const;
