import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountTree, createSignedInUser } from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

describe("session, CSRF and account scope", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
    tree = await createAccountTree(t.deps.db);
  });
  afterAll(() => t?.stop());

  it("refuses anonymous callers with 401", async () => {
    const response = await t.app.inject({ url: `/api/accounts/${tree.partner.id}/dashboard` });
    expect(response.statusCode).toBe(401);
  });

  it("lets a partner read its own and descendant accounts, and hides others behind 404", async () => {
    const user = await createSignedInUser(t.deps.db, tree.partner, "Read-only");
    const own = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/dashboard`,
      headers: user.headers,
    });
    expect(own.statusCode).toBe(200);
    expect(own.json().counts).toContainEqual({ key: "enterprises", label: "Enterprises", value: 1 });
    const child = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/dashboard`,
      headers: user.headers,
    });
    expect(child.statusCode).toBe(200);
    for (const foreign of [tree.operator.id, tree.sibling.id, tree.siblingEnterprise.id, "not-a-uuid"]) {
      const response = await t.app.inject({
        url: `/api/accounts/${foreign}/dashboard`,
        headers: user.headers,
      });
      expect(response.statusCode, foreign).toBe(404);
    }
  });

  it("refuses a state-changing request without the CSRF token or from another origin", async () => {
    const user = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const noToken = await t.app.inject({
      method: "POST",
      url: "/api/session/sign-out",
      headers: { cookie: user.headers.cookie! },
    });
    expect(noToken.statusCode).toBe(403);
    const foreignOrigin = await t.app.inject({
      method: "POST",
      url: "/api/session/sign-out",
      headers: { ...user.headers, origin: "https://evil.example" },
    });
    expect(foreignOrigin.statusCode).toBe(403);
    const ok = await t.app.inject({ method: "POST", url: "/api/session/sign-out", headers: user.headers });
    expect(ok.statusCode).toBe(204);
    const after = await t.app.inject({ url: "/api/session", headers: user.headers });
    expect(after.statusCode).toBe(401);
  });
});
