import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { DashboardPage } from "./DashboardPage";

export function dashboardRoutes(parent: AnyRoute) {
  return [createRoute({ getParentRoute: () => parent, path: "/dashboard", component: DashboardPage })];
}
