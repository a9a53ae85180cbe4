import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const webhooksRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/settings/webhooks",
    component: lazyRouteComponent(() => import("./WebhooksPage"), "WebhooksPage"),
  }),
] as const;
