import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { EnterprisesPage } from "./EnterprisesPage";

export function enterprisesRoutes(parent: AnyRoute) {
  return [createRoute({ getParentRoute: () => parent, path: "/enterprises", component: EnterprisesPage })];
}
