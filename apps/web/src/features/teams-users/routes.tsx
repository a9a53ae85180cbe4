import { createRoute, lazyRouteComponent, redirect } from "@tanstack/react-router";
import { accountRoute } from "../../app/shell-routes";
import { prefetchFirstUsersPage } from "./prefetch";

export const teamsUsersRoutes = [
  createRoute({
    getParentRoute: () => accountRoute,
    path: "/users",
    component: lazyRouteComponent(() => import("./UsersPage"), "UsersPage"),
    validateSearch: (search: Record<string, unknown>): { sync?: "1"; filter?: string } => ({
      sync: search.sync === "1" || search.sync === 1 ? "1" : undefined,
      filter: typeof search.filter === "string" ? search.filter : undefined,
    }),
    loaderDeps: ({ search }) => ({ filter: search.filter }),
    // Not awaited: the page renders as soon as its code is here; the request only starts earlier.
    loader: ({ params, deps }) => {
      void prefetchFirstUsersPage(params.accountId, deps.filter);
    },
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
