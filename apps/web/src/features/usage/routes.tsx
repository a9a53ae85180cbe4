import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { UsagePage } from "./UsagePage";

export const usageRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/usage", component: UsagePage }),
] as const;
