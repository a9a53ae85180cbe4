import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { AuditLogPage } from "./AuditLogPage";
import { SecurityPage } from "./SecurityPage";
import { UserManagementPage } from "./UserManagementPage";

export const settingsRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/settings/users", component: UserManagementPage }),
  createRoute({ getParentRoute: () => accountRoute, path: "/settings/audit", component: AuditLogPage }),
  createRoute({ getParentRoute: () => accountRoute, path: "/settings/security", component: SecurityPage }),
] as const;
