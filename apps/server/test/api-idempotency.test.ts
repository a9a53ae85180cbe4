import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_PURGE_JOB } from "../src/http/idempotency-purge.js";
import { idempotencyRecords } from "../src/http/idempotency-schema.js";
import { sbcRegions } from "../src/modules/operator-settings/schema.js";
import { accounts } from "../src/modules/tenancy/schema.js";
import { createApiKey, type TestApiKey } from "./support/api-keys.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

/** Issue 15, "Public API conventions": an `Idempotency-Key` on every POST replays the first response for 24 h. */
describe("Idempotency-Key on POST", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;
  let key: TestApiKey;
  let regionId: string;
  let n = 0;

  // Probe routes for what no product route does on demand: a request still running, a server error.
  let slowStarted = false;
  let releaseSlow: () => void = () => {};
  const slowGate = new Promise<void>((resolve) => {
    releaseSlow = resolve;
  });
  let failOnceCalls = 0;

  beforeAll(async () => {
    t = await startTestApp(
      {},
      {
        workers: true,
        beforeReady: (app) => {
          const access = { access: { kind: "account" as const, permission: "write" as const } };
          app.post(
            "/api/accounts/:accountId/idempotency-probe/slow",
            { config: access },
            async (_r, reply) => {
              slowStarted = true;
              await slowGate;
              return reply.code(201).send({ done: true });
            },
          );
          app.post("/api/accounts/:accountId/idempotency-probe/echo", { config: access }, async (_r, reply) =>
            reply.code(201).send({ echoed: true }),
          );
          app.post(
            "/api/accounts/:accountId/idempotency-probe/fail-once",
            { config: access },
            async (_r, reply) => {
              failOnceCalls++;
              if (failOnceCalls === 1) throw new Error("probe: the first call fails");
              return reply.code(201).send({ calls: failOnceCalls });
            },
          );
        },
      },
    );
    tree = await createAccountTree(t.deps.db);
    admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    otherAdmin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    key = await createApiKey(t.deps.db, tree.partner, "Admin");
    const [region] = await t.deps.db
      .insert(sbcRegions)
      .values({ name: `Region ${Date.now()}`, sbcFqdns: ["sbc.example.net"], sipPort: 5061 })
      .returning();
    regionId = region!.id;
  });
  afterAll(() => t?.stop());

  const enterprisesUrl = () => `/api/accounts/${tree.partner.id}/enterprises`;
  const enterpriseBody = (companyName: string) => ({
    companyName,
    adminName: "Casey Admin",
    adminEmail: `casey-${n++}-${Date.now()}@example.test`,
    regionIds: [regionId],
    services: ["teams-direct-routing"],
    userLimit: 10,
    billingReference: null,
  });
  const post = (url: string, payload: object | undefined, headers: Record<string, string>) =>
    t.app.inject({ method: "POST", url, headers, ...(payload ? { payload } : {}) });
  const enterprisesNamed = async (companyName: string) =>
    (
      await t.deps.db
        .select({ id: accounts.id })
        .from(accounts)
        .where(and(eq(accounts.name, companyName), eq(accounts.parentId, tree.partner.id)))
    ).length;
  const expectFieldProblem = (response: LightMyRequestResponse, status: number) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json().errors).toEqual([{ field: "Idempotency-Key", message: expect.any(String) }]);
  };

  for (const principal of ["an API key", "a session"] as const) {
    it(`replays the first response to ${principal} sending the same key and body: one enterprise`, async () => {
      const headers = principal === "an API key" ? key.headers : admin.headers;
      const idempotencyKey = randomUUID();
      const companyName = `Replayed ${principal} ${randomUUID()}`;
      const body = enterpriseBody(companyName);
      const first = await post(enterprisesUrl(), body, { ...headers, "idempotency-key": idempotencyKey });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.headers["idempotent-replayed"]).toBeUndefined();

      const second = await post(enterprisesUrl(), body, { ...headers, "idempotency-key": idempotencyKey });
      expect(second.statusCode).toBe(201);
      expect(second.headers["idempotent-replayed"]).toBe("true");
      expect(second.headers["content-type"]).toBe(first.headers["content-type"]);
      expect(second.body).toBe(first.body);
      expect(await enterprisesNamed(companyName)).toBe(1);
    });
  }

  it("refuses the same key with a different body (422 naming the header), creating nothing", async () => {
    const idempotencyKey = randomUUID();
    const body = enterpriseBody(`First body ${randomUUID()}`);
    const first = await post(enterprisesUrl(), body, { ...key.headers, "idempotency-key": idempotencyKey });
    expect(first.statusCode, first.body).toBe(201);
    const otherName = `Other body ${randomUUID()}`;
    const other = await post(
      enterprisesUrl(),
      { ...body, companyName: otherName },
      {
        ...key.headers,
        "idempotency-key": idempotencyKey,
      },
    );
    expectFieldProblem(other, 422);
    expect(await enterprisesNamed(otherName)).toBe(0);
  });

  it("keeps keys apart per principal and per URL: the same key from another caller is a new request", async () => {
    const idempotencyKey = randomUUID();
    const companyName = `Shared key ${randomUUID()}`;
    for (const headers of [key.headers, admin.headers, otherAdmin.headers]) {
      const response = await post(enterprisesUrl(), enterpriseBody(companyName), {
        ...headers,
        "idempotency-key": idempotencyKey,
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.headers["idempotent-replayed"]).toBeUndefined();
    }
    expect(await enterprisesNamed(companyName)).toBe(3);
    // Another URL with the same key and principal is another request too.
    const elsewhere = await post(`/api/accounts/${tree.partner.id}/idempotency-probe/echo`, undefined, {
      ...key.headers,
      "idempotency-key": idempotencyKey,
    });
    expect(elsewhere.statusCode).toBe(201);
    expect(elsewhere.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("changes nothing without the header: the same body twice creates twice", async () => {
    const companyName = `No key ${randomUUID()}`;
    const body = enterpriseBody(companyName);
    expect((await post(enterprisesUrl(), body, key.headers)).statusCode).toBe(201);
    // A distinct first Admin, so the second creation is not refused for the address.
    const again = await post(
      enterprisesUrl(),
      { ...body, adminEmail: `again-${Date.now()}@example.test` },
      key.headers,
    );
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
    expect(await enterprisesNamed(companyName)).toBe(2);
  });

  it("replays a 4xx answer as well", async () => {
    const idempotencyKey = randomUUID();
    const invalid = { ...enterpriseBody("x"), companyName: "" };
    const first = await post(enterprisesUrl(), invalid, {
      ...key.headers,
      "idempotency-key": idempotencyKey,
    });
    expect(first.statusCode).toBe(400);
    const second = await post(enterprisesUrl(), invalid, {
      ...key.headers,
      "idempotency-key": idempotencyKey,
    });
    expect(second.statusCode).toBe(400);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(second.body).toBe(first.body);
  });

  it("refuses a malformed key with 400 naming the header", async () => {
    for (const bad of ["", "x".repeat(256), "tab\there", "é-accent"]) {
      const response = await post(enterprisesUrl(), enterpriseBody(`Bad key ${randomUUID()}`), {
        ...key.headers,
        "idempotency-key": bad,
      });
      expectFieldProblem(response, 400);
    }
    const longest = await post(enterprisesUrl(), enterpriseBody(`Longest key ${randomUUID()}`), {
      ...key.headers,
      "idempotency-key": "k".repeat(255),
    });
    expect(longest.statusCode, longest.body).toBe(201);
  });

  it("answers 409 while the first request with the key is still running, then replays it", async () => {
    const url = `/api/accounts/${tree.partner.id}/idempotency-probe/slow`;
    const headers = { ...admin.headers, "idempotency-key": randomUUID() };
    const first = post(url, undefined, headers);
    await waitFor("the first request to be running", async () => slowStarted);
    const concurrent = await post(url, undefined, headers);
    expect(concurrent.statusCode, concurrent.body).toBe(409);
    expect(concurrent.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(concurrent.headers["retry-after"]).toBeDefined();
    releaseSlow();
    expect((await first).statusCode).toBe(201);
    const after = await post(url, undefined, headers);
    expect(after.statusCode).toBe(201);
    expect(after.headers["idempotent-replayed"]).toBe("true");
  });

  it("does not keep a server error: the same key runs the request again", async () => {
    const url = `/api/accounts/${tree.partner.id}/idempotency-probe/fail-once`;
    const headers = { ...key.headers, "idempotency-key": randomUUID() };
    const before = failOnceCalls;
    const failed = await post(url, undefined, headers);
    expect(failed.statusCode).toBe(500);
    const retried = await post(url, undefined, headers);
    expect(retried.statusCode, retried.body).toBe(201);
    expect(retried.headers["idempotent-replayed"]).toBeUndefined();
    expect(failOnceCalls).toBe(before + 2);
  });

  it("stores the response body and the body's hash sealed, never in plaintext", async () => {
    const companyName = `Sealed ${randomUUID()}`;
    const body = enterpriseBody(companyName);
    const idempotencyKey = randomUUID();
    const response = await post(enterprisesUrl(), body, {
      ...key.headers,
      "idempotency-key": idempotencyKey,
    });
    expect(response.statusCode).toBe(201);
    const rows = await t.deps.db.select().from(idempotencyRecords);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(companyName);
    // A bare digest of a body holding a password would be a fast, unsalted hash of it: sealed (secret box) instead.
    for (const row of rows) expect(row.requestHash).toMatch(/^v1\./);
    // …and still compared: the same body is replayed.
    const again = await post(enterprisesUrl(), body, { ...key.headers, "idempotency-key": idempotencyKey });
    expect(again.headers["idempotent-replayed"]).toBe("true");
  });

  it("forgets a key after 24 h, and the purge job removes records older than that", async () => {
    const headers = { ...key.headers, "idempotency-key": randomUUID() };
    const companyName = `Day old ${randomUUID()}`;
    const body = enterpriseBody(companyName);
    expect((await post(enterprisesUrl(), body, headers)).statusCode).toBe(201);
    // The record was made a day and a minute ago.
    await t.deps.db.update(idempotencyRecords).set({ createdAt: sql`now() - interval '1441 minutes'` });
    const later = await post(
      enterprisesUrl(),
      { ...body, adminEmail: `later-${Date.now()}@example.test` },
      headers,
    );
    expect(later.statusCode, later.body).toBe(201);
    expect(later.headers["idempotent-replayed"]).toBeUndefined();
    expect(await enterprisesNamed(companyName)).toBe(2);

    // Every record but the one just made again is now older than 24 h.
    const count = async () => (await t.deps.db.select().from(idempotencyRecords)).length;
    const [fresh] = await t.deps.db
      .select()
      .from(idempotencyRecords)
      .where(sql`${idempotencyRecords.createdAt} > now() - interval '1 hour'`);
    expect(await count()).toBeGreaterThan(1);

    const schedules = await t.deps.jobs.boss.getSchedules(IDEMPOTENCY_PURGE_JOB.name);
    expect(schedules.length).toBe(1);
    await t.deps.jobs.enqueue(IDEMPOTENCY_PURGE_JOB, {});
    await waitFor("the purge job to remove the old records", async () => (await count()) === 1);
    const [left] = await t.deps.db.select().from(idempotencyRecords);
    expect(left!.scopeHash).toBe(fresh!.scopeHash);
  });

  it("documents the header on every signed-in POST of the OpenAPI document", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/openapi.json" });
    const doc = response.json() as {
      paths: Record<
        string,
        Record<string, { security?: unknown; parameters?: { name: string; in: string }[] }>
      >;
    };
    const posts = Object.values(doc.paths).flatMap((item) => (item.post ? [item.post] : []));
    const signedIn = posts.filter((operation) => operation.security);
    expect(signedIn.length).toBeGreaterThan(10);
    for (const operation of signedIn) {
      expect(operation.parameters).toContainEqual(
        expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }),
      );
    }
    const create = doc.paths["/api/accounts/{accountId}/enterprises"]!.post as unknown as {
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    expect(create.responses["201"]!.headers).toHaveProperty("Idempotent-Replayed");
    const signIn = doc.paths["/api/auth/sign-in"]!.post!;
    expect(signIn.parameters ?? []).not.toContainEqual(expect.objectContaining({ name: "Idempotency-Key" }));
  });
});
