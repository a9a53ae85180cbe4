import { createRoute, lazyRouteComponent, redirect } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";

export const teamsUsersRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/users",
    component: lazyRouteComponent(() => import("./UsersPage"), "UsersPage"),
    validateSearch: (search: Record<string, unknown>): { sync?: "1"; filter?: string } => ({
      sync: search.sync === "1" || search.sync === 1 ? "1" : undefined,
      filter: typeof search.filter === "string" ? search.filter : undefined,
    }),
  }),
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/users/add",
    component: lazyRouteComponent(() => import("./AddUserPage"), "AddUserPage"),
  }),
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/users/$userId",
    component: lazyRouteComponent(() => import("./UserDetailPage"), "UserDetailPage"),
  }),
  // The dashboard's "Sync Teams Users" action item: starts the sync, then shows the Users page.
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/users/sync",
    beforeLoad: ({ params }) => {
      throw redirect({ to: "/a/$accountId/users", params, search: { sync: "1" } });
    },
  }),
] as const;
