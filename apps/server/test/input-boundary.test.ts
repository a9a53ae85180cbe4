import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/**
 * Issue 16 item 1: bad input is the caller's fault and gets a 400 problem+json naming the field, never a 500.
 * Each case below answered 500 before the input boundary existed.
 */
describe("the input boundary", () => {
  let t: TestApp;
  let admin: SignedInUser;
  let partnerId: string;
  let enterpriseId: string;

  beforeAll(async () => {
    t = await startTestApp(
      {},
      {
        workers: false,
        // Database errors of each kind, with a parameter that stands for a sealed secret.
        beforeReady: (app) => {
          app.get<{ Params: { kind: string } }>(
            "/test/database-error/:kind",
            { config: { access: { kind: "public" } } },
            async (request) => {
              const statements: Record<string, ReturnType<typeof sql>> = {
                "invalid-text": sql`select ${"not-a-uuid"}::uuid`,
                "out-of-range": sql`select ${"0000-01-01"}::date`,
                "number-out-of-range": sql`select ${"99999999999"}::int`,
                "server-fault": sql`select (length(${"sealed-secret-value"}) / 0)`,
              };
              if (request.params.kind === "unique") {
                await t.deps.db.transaction(async (tx) => {
                  await tx.execute(sql`create temporary table once (v text unique) on commit drop`);
                  await tx.execute(sql`insert into once values (${"twice"}), (${"twice"})`);
                });
              } else {
                await t.deps.db.execute(statements[request.params.kind]!);
              }
              return { ok: true };
            },
          );
        },
      },
    );
    const tree = await createAccountTree(t.deps.db);
    partnerId = tree.partner.id;
    enterpriseId = tree.enterprise.id;
    admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
  });
  afterAll(() => t?.stop());

  async function expectFieldProblem(
    response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
    field: string,
  ) {
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const body = response.json() as { errors?: { field: string; message: string }[] };
    expect(body.errors?.map((e) => e.field)).toContain(field);
  }

  it("refuses a NUL character in forgot-password's username, naming the field", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/auth/forgot-password",
      payload: { username: "a\u0000b" },
    });
    await expectFieldProblem(response, "username");
  });

  it("refuses a NUL character in sign-in's username, naming the field", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      payload: { username: "\u0000", password: "whatever-password" },
    });
    await expectFieldProblem(response, "username");
  });

  it("refuses a lone surrogate written as a JSON escape, naming the field", async () => {
    const body = '{"username":"a\\ud800b"}';
    const response = await t.app.inject({
      method: "POST",
      url: "/api/auth/forgot-password",
      headers: { "content-type": "application/json" },
      payload: body,
    });
    await expectFieldProblem(response, "username");
  });

  it("refuses a lone surrogate in a query string, naming the parameter", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${partnerId}/enterprises?search=%ED%A0%80x`,
      headers: admin.headers,
    });
    // %ED%A0%80 is the (invalid) UTF-8 of U+D800: decoded as U+FFFD or refused; never a 500.
    expect(response.statusCode).toBeLessThan(500);
    const nul = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${partnerId}/enterprises?search=a%00b`,
      headers: admin.headers,
    });
    await expectFieldProblem(nul, "search");
  });

  it("refuses a non-UUID inside an array of ids, naming the element", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${partnerId}/enterprises`,
      headers: admin.headers,
      payload: {
        companyName: "Acme",
        adminName: "Ada",
        adminEmail: "ada@acme.example",
        regionIds: ["not-a-uuid"],
        services: ["teams-direct-routing"],
        userLimit: 10,
        billingReference: null,
      },
    });
    await expectFieldProblem(response, "regionIds.0");
  });

  it("refuses a malformed pagination cursor, naming it", async () => {
    const badId = Buffer.from(JSON.stringify(["a", "not-a-uuid"])).toString("base64url");
    const switchable = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${partnerId}/switchable?cursor=${badId}`,
      headers: admin.headers,
    });
    await expectFieldProblem(switchable, "cursor");
    const farDate = Buffer.from(`+275760-09-13T00:00:00.000Z|${crypto.randomUUID()}`).toString("base64url");
    const audit = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${partnerId}/audit?cursor=${farDate}`,
      headers: admin.headers,
    });
    await expectFieldProblem(audit, "cursor");
  });

  it("bounds page numbers, naming the parameter", async () => {
    for (const url of [
      `/api/accounts/${partnerId}/enterprises?page=100001`,
      `/api/accounts/${partnerId}/trunk-profiles?page=1e300`,
      `/api/accounts/${enterpriseId}/teams-users?page=100001`,
    ]) {
      await expectFieldProblem(await t.app.inject({ method: "GET", url, headers: admin.headers }), "page");
    }
  });

  it("refuses an out-of-range date on the audit export, naming it", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${partnerId}/audit/export?to=0000-01-01`,
      headers: admin.headers,
    });
    await expectFieldProblem(response, "to");
  });

  it("refuses a non-UUID path id with 400 rather than reaching the database", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${enterpriseId}/teams-users/not-a-uuid`,
      headers: admin.headers,
    });
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  });

  it("answers router-level refusals (a path segment over 100 characters, a malformed URL) with problem+json", async () => {
    const long = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${"x".repeat(101)}/users`,
      headers: admin.headers,
    });
    expect(long.statusCode).toBe(414);
    expect(long.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const malformed = await t.app.inject({ method: "GET", url: "/api/accounts/%E0%A4%A/users" });
    expect(malformed.statusCode).toBeLessThan(500);
    expect(malformed.headers["content-type"]).toMatch(/^application\/problem\+json/);
  });

  it("refuses a CSV upload containing a NUL byte with 400", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users/imports`,
      headers: { ...admin.headers, "content-type": "text/csv" },
      payload: "email,displayName\nada\u0000@acme.example,Ada\n",
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  });

  it("answers database errors that are the caller's fault with 400/409 problem+json, not 500", async () => {
    for (const [kind, status] of [
      ["invalid-text", 400],
      ["out-of-range", 400],
      ["number-out-of-range", 400],
      ["unique", 409],
    ] as const) {
      const response = await t.app.inject({ method: "GET", url: `/test/database-error/${kind}` });
      expect({ kind, status: response.statusCode }).toEqual({ kind, status });
      expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
  });

  it("logs a database 500 without the query's parameters", async () => {
    const response = await t.app.inject({ method: "GET", url: "/test/database-error/server-fault" });
    expect(response.statusCode).toBe(500);
    const failure = t.logs.find(
      (line) => line.msg === "request failed" && line.reqId === response.headers["x-request-id"],
    );
    expect(JSON.stringify(failure)).toContain("division by zero");
    expect(JSON.stringify(t.logs)).not.toContain("sealed-secret-value");
  });

  it("states the rules in the OpenAPI document", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>>;
    };
    const create = doc.paths["/api/accounts/{accountId}/enterprises"]!.post!;
    const text = JSON.stringify(create);
    expect(text).toContain('"format":"uuid"');
    const signIn = JSON.stringify(doc.paths["/api/auth/sign-in"]!.post!);
    expect(signIn).toContain("pattern");
  });
});
