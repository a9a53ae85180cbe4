import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { DashboardPage } from "./DashboardPage";

export const dashboardRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/dashboard", component: DashboardPage }),
] as const;
