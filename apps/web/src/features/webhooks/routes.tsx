import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { WebhooksPage } from "./WebhooksPage";

export const webhooksRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/settings/webhooks", component: WebhooksPage }),
] as const;
