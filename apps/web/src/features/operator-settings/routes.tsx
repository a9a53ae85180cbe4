import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { OperatorSettingsPage } from "./OperatorSettingsPage";

export function operatorSettingsRoutes(parent: AnyRoute) {
  return [
    createRoute({
      getParentRoute: () => parent,
      path: "/operator-settings",
      component: OperatorSettingsPage,
    }),
  ];
}
