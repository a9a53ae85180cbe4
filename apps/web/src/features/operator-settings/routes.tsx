import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { OperatorSettingsPage } from "./OperatorSettingsPage";

export const operatorSettingsRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/operator-settings",
    component: OperatorSettingsPage,
  }),
] as const;
