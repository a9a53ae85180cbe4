import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { PreflightPage } from "./PreflightPage";

export const preflightRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/preflight", component: PreflightPage }),
] as const;
