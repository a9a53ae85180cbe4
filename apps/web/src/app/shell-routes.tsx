import { createRootRoute, createRoute, lazyRouteComponent, Outlet, redirect } from "@tanstack/react-router";
import { NotFound } from "../layout/NotFound";
import { ensureSession } from "./session";

/**
 * The two parents every feature route hangs from. Features import these concrete routes (never `AnyRoute`),
 * so the router knows each route's full path, params and search, and pages read them without casts.
 */
export const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

const appLayout = lazyRouteComponent(() => import("../layout/AppLayout"), "AppLayout");

/**
 * Everything inside the portal lives under /a/{accountId}: the account being acted in.
 * Switching account (the multitenant menu) changes only this segment.
 */
export const accountRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/a/$accountId",
  beforeLoad: async ({ location }) => {
    // The shell's code downloads while the session is checked, instead of after.
    void appLayout.preload?.();
    const session = await ensureSession();
    if (!session) throw redirect({ to: "/sign-in", search: { redirect: location.href } });
    return { session };
  },
  component: appLayout,
});
