import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegisteredRoute } from "../../src/http/access.js";
import { CALLERS, tryEveryRouteAndRole } from "../support/authorization-matrix.js";
import { createAccount, createAccountTree } from "../support/factories.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { printFigures } from "./figures.js";

/**
 * Issue 16 item 4, first figure: every registered /api route × anonymous, Read-only, User, Admin and a
 * sibling partner's Admin (plus foreign, parent and malformed ids as an Admin). A leak is an answer below
 * 400 to a caller who must be refused; leaks and wrong answers must both be zero.
 */
describe("security figures: routes × roles", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
  });
  afterAll(() => t?.stop());

  it("tries every route as every role and finds no leak", async () => {
    const { buildPortalApp } = await import("../../src/runtime/portal-app.js");
    const built = await buildPortalApp(t.deps);
    const routes: RegisteredRoute[] = built.routes.filter((r) => r.url.startsWith("/api/"));
    await built.app.close();
    const tree = await createAccountTree(t.deps.db);
    const otherOperator = await createAccount(t.deps.db, "operator", null, "Other Operator");

    const { tried, leaks, failures } = await tryEveryRouteAndRole(
      t.app,
      t.deps.db,
      routes,
      tree,
      otherOperator,
    );

    printFigures("routes × roles", {
      routes: routes.length,
      roles: `${CALLERS.length} (${CALLERS.join(", ")})`,
      "requests tried": tried,
      leaks: leaks.length,
      "other wrong answers": failures.length - leaks.length,
    });
    expect(routes.length).toBeGreaterThan(50);
    expect(leaks).toEqual([]);
    expect(failures).toEqual([]);
  }, 300_000);
});
