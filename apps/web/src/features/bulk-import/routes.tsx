import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { BulkImportPage } from "./BulkImportPage";

export const bulkImportRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/users/import", component: BulkImportPage }),
] as const;
