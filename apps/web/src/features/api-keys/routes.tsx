import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { ApiKeysPage } from "./ApiKeysPage";

export const apiKeysRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/settings/api-keys", component: ApiKeysPage }),
] as const;
