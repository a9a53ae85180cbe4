import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { NumbersPage } from "./NumbersPage";

export function numbersRoutes(parent: AnyRoute) {
  return [createRoute({ getParentRoute: () => parent, path: "/numbers", component: NumbersPage })];
}
