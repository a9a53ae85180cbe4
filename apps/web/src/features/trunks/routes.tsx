import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { TrunksPage } from "./TrunksPage";

export const trunksRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/trunks", component: TrunksPage }),
] as const;
