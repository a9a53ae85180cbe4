import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegisteredRoute } from "../src/http/access.js";
import type { Account } from "../src/modules/tenancy/schema.js";
import {
  ADMIN_ONLY_FRAGMENTS,
  key,
  PUBLIC_ROUTES,
  tryEveryRouteAndRole,
} from "./support/authorization-matrix.js";
import { createAccount, createAccountTree } from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/** Authorization across every registered /api route; the rules and samples are in support/authorization-matrix.ts. */
describe("authorization of every registered route", () => {
  let t: TestApp;
  let routes: RegisteredRoute[];
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let otherOperator: Account;

  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
    // Build the route table the same way the server does, from the real app.
    const { buildPortalApp } = await import("../src/runtime/portal-app.js");
    const built = await buildPortalApp(t.deps);
    routes = built.routes.filter((r) => r.url.startsWith("/api/"));
    await built.app.close();
    tree = await createAccountTree(t.deps.db);
    otherOperator = await createAccount(t.deps.db, "operator", null, "Other Operator");
  });
  afterAll(() => t?.stop());

  it("finds the routes of this feature in the table", () => {
    const keys = routes.map(key);
    for (const expectedKey of [
      "POST /api/auth/sign-in",
      "GET /api/accounts/:accountId/users",
      "GET /api/accounts/:accountId/switchable",
      "GET /api/accounts/:accountId/audit",
      "GET /api/accounts/:accountId/dashboard",
    ]) {
      expect(keys).toContain(expectedKey);
    }
  });

  it("declares a sensible policy on every route", () => {
    const problems: string[] = [];
    for (const route of routes) {
      const { access } = route;
      if (access.kind === "public" && !PUBLIC_ROUTES.has(key(route)))
        problems.push(`${key(route)} is public but not reviewed`);
      if (access.kind === "session" && route.url.includes(":accountId"))
        problems.push(`${key(route)} takes :accountId but is not an account route`);
      if (access.kind === "account" && route.method !== "GET" && access.permission === "read") {
        problems.push(`${key(route)} changes state with only the "read" permission`);
      }
      if (
        access.kind === "account" &&
        ADMIN_ONLY_FRAGMENTS.some((f) => route.url.includes(f)) &&
        access.permission !== "manage-users"
      ) {
        problems.push(`${key(route)} must require manage-users`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("lets exactly the allowed callers through, and answers 404 for foreign ids", async () => {
    const { failures } = await tryEveryRouteAndRole(t.app, t.deps.db, routes, tree, otherOperator);
    expect(failures).toEqual([]);
    // Hundreds of requests: a budget for a machine whose cores are busy (API keys added routes to the table).
  }, 300_000);
});
