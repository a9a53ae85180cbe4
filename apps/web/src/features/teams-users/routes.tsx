import { type AnyRoute, createRoute } from "@tanstack/react-router";
import { AddUserPage } from "./AddUserPage";
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
  ];
}
