import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { BulkImportPage } from "./BulkImportPage";

export function bulkImportRoutes(parent: AnyRoute) {
  return [createRoute({ getParentRoute: () => parent, path: "/users/import", component: BulkImportPage })];
}
