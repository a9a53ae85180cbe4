import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { PartnersPage } from "./PartnersPage";

export function tenancyRoutes(parent: AnyRoute) {
  return [createRoute({ getParentRoute: () => parent, path: "/partners", component: PartnersPage })];
}
