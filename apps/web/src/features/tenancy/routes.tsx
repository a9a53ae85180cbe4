import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { PartnersPage } from "./PartnersPage";

export const tenancyRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/partners", component: PartnersPage }),
] as const;
