import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { AuditLogPage } from "./AuditLogPage";
import { SecurityPage } from "./SecurityPage";
import { UserManagementPage } from "./UserManagementPage";

export function settingsRoutes(parent: AnyRoute) {
  return [
    createRoute({ getParentRoute: () => parent, path: "/settings/users", component: UserManagementPage }),
    createRoute({ getParentRoute: () => parent, path: "/settings/audit", component: AuditLogPage }),
    createRoute({ getParentRoute: () => parent, path: "/settings/security", component: SecurityPage }),
  ];
}
