import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { UserManagementPage } from "./UserManagementPage";

export function settingsRoutes(parent: AnyRoute) {
  return [
    createRoute({ getParentRoute: () => parent, path: "/settings/users", component: UserManagementPage }),
  ];
}
