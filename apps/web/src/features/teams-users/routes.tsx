import { type AnyRoute, createRoute, redirect } from "@tanstack/react-router";
import { AddUserPage } from "./AddUserPage";
import { UserDetailPage } from "./UserDetailPage";
import { UsersPage } from "./UsersPage";

export function teamsUsersRoutes(parent: AnyRoute) {
  return [
    createRoute({
      getParentRoute: () => parent,
      path: "/users",
      component: UsersPage,
      validateSearch: (search: Record<string, unknown>) => ({
        sync: search.sync === "1" || search.sync === 1 ? "1" : undefined,
        filter: typeof search.filter === "string" ? search.filter : undefined,
      }),
    }),
    createRoute({ getParentRoute: () => parent, path: "/users/add", component: AddUserPage }),
    createRoute({ getParentRoute: () => parent, path: "/users/$userId", component: UserDetailPage }),
    // The dashboard's "Sync Teams Users" action item: starts the sync, then shows the Users page.
    createRoute({
      getParentRoute: () => parent,
      path: "/users/sync",
      beforeLoad: ({ params }) => {
        throw redirect({ to: "/a/$accountId/users", params, search: { sync: "1" } });
      },
    }),
  ];
}
