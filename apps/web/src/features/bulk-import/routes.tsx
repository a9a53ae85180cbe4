import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const bulkImportRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/users/import",
    component: lazyRouteComponent(() => import("./BulkImportPage"), "BulkImportPage"),
  }),
] as const;
