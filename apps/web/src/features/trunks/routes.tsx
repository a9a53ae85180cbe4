import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { TrunksPage } from "./TrunksPage";

export function trunksRoutes(parent: AnyRoute) {
  return [createRoute({ getParentRoute: () => parent, path: "/trunks", component: TrunksPage })];
}
