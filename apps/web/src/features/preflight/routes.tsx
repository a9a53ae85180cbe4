import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { PreflightPage } from "./PreflightPage";

export function preflightRoutes(parent: AnyRoute) {
  return [createRoute({ getParentRoute: () => parent, path: "/preflight", component: PreflightPage })];
}
