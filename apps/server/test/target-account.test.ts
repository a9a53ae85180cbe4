import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetAccountOf } from "../src/http/access.js";
import { createAccountTree, createSignedInUser } from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/** `targetAccountOf(request)`: the account the gate checked, or a 500 when a route forgot to declare it. */
describe("targetAccountOf", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  beforeAll(async () => {
    t = await startTestApp(
      {},
      {
        workers: false,
        beforeReady: async (app: FastifyInstance) => {
          app.get(
            "/api/probe/accounts/:accountId/target",
            { config: { access: { kind: "account", permission: "read" } } },
            async (request) => ({ id: targetAccountOf(request).id, name: targetAccountOf(request).name }),
          );
          app.get(
            "/api/probe/accounts/:accountId/ungated",
            { config: { access: { kind: "session" } } },
            async (request) => ({ id: targetAccountOf(request).id }),
          );
        },
      },
    );
    tree = await createAccountTree(t.deps.db);
  });
  afterAll(() => t?.stop());

  it("gives an account route the account the gate let through", async () => {
    const user = await createSignedInUser(t.deps.db, tree.partner, "Read-only");
    const response = await t.app.inject({
      url: `/api/probe/accounts/${tree.enterprise.id}/target`,
      headers: user.headers,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: tree.enterprise.id, name: "Enterprise A1" });
  });

  it("fails with a 500, never hands out an unchecked account, when the route skipped the account gate", async () => {
    const user = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const response = await t.app.inject({
      url: `/api/probe/accounts/${tree.sibling.id}/ungated`,
      headers: user.headers,
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ status: 500, title: "Internal Server Error" });
    expect(response.json()).not.toHaveProperty("id");
    expect(t.logs.some((line) => JSON.stringify(line).includes("no target account"))).toBe(true);
  });
});
