import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const trunksRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/trunks",
    component: lazyRouteComponent(() => import("./TrunksPage"), "TrunksPage"),
  }),
] as const;
