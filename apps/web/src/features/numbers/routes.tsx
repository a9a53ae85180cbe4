import { createRoute } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { NumbersPage } from "./NumbersPage";

export const numbersRoutes = [
  createRoute({ getParentRoute: () => accountRoute, path: "/numbers", component: NumbersPage }),
] as const;
