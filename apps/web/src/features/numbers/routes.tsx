import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const numbersRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/numbers",
    component: lazyRouteComponent(() => import("./NumbersPage"), "NumbersPage"),
  }),
] as const;
