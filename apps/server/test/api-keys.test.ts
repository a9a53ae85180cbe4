import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegisteredRoute } from "../src/http/access.js";
import { apiKeys } from "../src/modules/identity/schema.js";
import type { Account } from "../src/modules/tenancy/schema.js";
import { createApiKey } from "./support/api-keys.js";
import { tryEveryRouteAndRole } from "./support/authorization-matrix.js";
import { createAccount, createAccountTree, createSignedInUser } from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

/** Issue 15 scope 1: API keys act as portal users of their role, through the same gate. */
describe("API keys", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let otherOperator: Account;
  let admin: Awaited<ReturnType<typeof createSignedInUser>>;

  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
    tree = await createAccountTree(t.deps.db);
    otherOperator = await createAccount(t.deps.db, "operator", null, "Other Operator");
    admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
  });
  afterAll(() => t?.stop());

  const keysUrl = () => `/api/accounts/${tree.partner.id}/api-keys`;
  const usersUrl = (account: Account = tree.partner) => `/api/accounts/${account.id}/users`;
  /** Every key of the partner, following the list's cursor (the role matrix above made hundreds). */
  const allKeys = async () => {
    const pages: { body: string; items: { id: string; name: string; lastUsedAt: string | null }[] }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : "";
      const page = await t.app.inject({ url: `${keysUrl()}?limit=200${query}`, headers: admin.headers });
      pages.push({ body: page.body, items: page.json().items });
      cursor = page.json().nextCursor;
    } while (cursor);
    return { body: pages.map((p) => p.body).join(""), items: pages.flatMap((p) => p.items) };
  };

  it("a key of each role passes the authorization matrix portal users pass", async () => {
    const { buildPortalApp } = await import("../src/runtime/portal-app.js");
    const built = await buildPortalApp(t.deps);
    const routes: RegisteredRoute[] = built.routes.filter((r) => r.url.startsWith("/api/"));
    await built.app.close();
    const { tried, leaks, failures } = await tryEveryRouteAndRole(
      t.app,
      t.deps.db,
      routes,
      tree,
      otherOperator,
      "api-key",
    );
    expect(tried).toBeGreaterThan(routes.length * 5);
    expect(leaks).toEqual([]);
    expect(failures).toEqual([]);
  }, 300_000);

  it("an Admin creates a key shown once and stored as a hash; the key works as its role below its account", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: keysUrl(),
      headers: admin.headers,
      payload: { name: "Billing sync", role: "Read-only", allowedIpRanges: ["127.0.0.0/8", "::1"] },
    });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = created.json();
    expect(key).toMatch(/^s2t_live_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).toMatchObject({
      name: "Billing sync",
      role: "Read-only",
      status: "active",
      lastUsedAt: null,
    });
    expect(apiKey.allowedIpRanges).toEqual(["127.0.0.0/8", "::1/128"]);

    // Only the hash is stored; the list never shows the key again.
    const [row] = await t.deps.db.select().from(apiKeys);
    expect(JSON.stringify(row)).not.toContain(key.slice(apiKey.prefix.length + 1));
    const list = await allKeys();
    expect(list.body).not.toContain(key);
    expect(list.items.map((k) => k.name)).toContain("Billing sync");

    const bearer = { authorization: `Bearer ${key}` };
    // The partner's own account and the enterprise below it; never the sibling partner (404) or a write (403).
    expect((await t.app.inject({ method: "GET", url: usersUrl(), headers: bearer })).statusCode).toBe(403);
    const read = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${tree.enterprise.id}/dashboard`,
      headers: bearer,
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers["ratelimit-policy"]).toBe('"per-key";q=600;w=60');
    expect(read.headers.ratelimit).toMatch(/^"per-key";r=\d+;t=\d+$/);
    const sibling = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${tree.sibling.id}/dashboard`,
      headers: bearer,
    });
    expect(sibling.statusCode).toBe(404);
    // Refusals by the gate carry the rate limit headers too; the key never reaches the logs.
    expect(sibling.headers.ratelimit).toMatch(/^"per-key";r=\d+;t=\d+$/);
    expect(JSON.stringify(t.logs)).not.toContain(key.slice(apiKey.prefix.length + 1));

    const listed = (await allKeys()).items.find((k) => k.id === apiKey.id)!;
    expect(listed.lastUsedAt).not.toBeNull();
  });

  it("a write through a key needs no CSRF token and is audited with the key's name", async () => {
    const key = await createApiKey(t.deps.db, tree.partner, "Admin", { name: "CRM provisioning" });
    const invited = await t.app.inject({
      method: "POST",
      url: usersUrl(),
      headers: key.headers,
      payload: { name: "Via Key", email: "via-key@example.test", role: "User" },
    });
    expect(invited.statusCode).toBe(201);
    expect(invited.headers["ratelimit-policy"]).toBeDefined();
    const audit = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${tree.partner.id}/audit?action=user.invited`,
      headers: admin.headers,
    });
    const entry = audit.json().items.find((e: { targetId: string }) => e.targetId === invited.json().id);
    expect(entry.actorEmail).toBe("API key CRM provisioning");
  });

  it("refuses a request carrying both a session cookie and a key (400), and keys on key and session routes (403)", async () => {
    const key = await createApiKey(t.deps.db, tree.partner, "Admin");
    const both = await t.app.inject({
      method: "GET",
      url: usersUrl(),
      headers: { ...admin.headers, ...key.headers },
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().detail).toMatch(/either a session cookie or an API key/);
    const minted = await t.app.inject({
      method: "POST",
      url: keysUrl(),
      headers: key.headers,
      payload: { name: "Child", role: "Admin" },
    });
    expect(minted.statusCode).toBe(403);
    expect((await t.app.inject({ method: "GET", url: keysUrl(), headers: key.headers })).statusCode).toBe(
      403,
    );
    const security = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.partner.id}/security`,
      headers: key.headers,
      payload: { requireTwoFactor: false },
    });
    expect(security.statusCode).toBe(403);
    for (const url of ["/api/me/two-factor", "/api/session"]) {
      expect((await t.app.inject({ method: "GET", url, headers: key.headers })).statusCode).toBe(403);
    }
    const malformed = await t.app.inject({
      method: "GET",
      url: usersUrl(),
      headers: { authorization: "Basic abc" },
    });
    expect(malformed.statusCode).toBe(401);
  });

  it("a revoked key is refused on the next request", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: keysUrl(),
      headers: admin.headers,
      payload: { name: "To revoke", role: "Admin" },
    });
    const { key, apiKey } = created.json();
    const bearer = { authorization: `Bearer ${key}` };
    expect((await t.app.inject({ method: "GET", url: usersUrl(), headers: bearer })).statusCode).toBe(200);
    const revoked = await t.app.inject({
      method: "POST",
      url: `${keysUrl()}/${apiKey.id}/revoke`,
      headers: admin.headers,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().status).toBe("revoked");
    const next = await t.app.inject({ method: "GET", url: usersUrl(), headers: bearer });
    expect(next.statusCode).toBe(401);
    const foreign = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.sibling.id}/api-keys/${apiKey.id}/revoke`,
      headers: (await createSignedInUser(t.deps.db, tree.sibling, "Admin")).headers,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it("an expired key and a key from a disallowed address are refused (401)", async () => {
    const expired = await createApiKey(t.deps.db, tree.partner, "Admin", {
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(
      (await t.app.inject({ method: "GET", url: usersUrl(), headers: expired.headers })).statusCode,
    ).toBe(401);

    // app.inject comes from 127.0.0.1.
    const elsewhere = await createApiKey(t.deps.db, tree.partner, "Admin", {
      allowedIpRanges: ["192.0.2.0/24", "2001:db8::/32"],
    });
    const refused = await t.app.inject({ method: "GET", url: usersUrl(), headers: elsewhere.headers });
    expect(refused.statusCode).toBe(401);
    const fromRange = await t.app.inject({
      method: "GET",
      url: usersUrl(),
      headers: elsewhere.headers,
      remoteAddress: "192.0.2.10",
    });
    expect(fromRange.statusCode).toBe(200);
  });

  it("refuses invalid key fields with a message per field", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: keysUrl(),
      headers: admin.headers,
      payload: { name: "Bad", role: "User", allowedIpRanges: ["10.0.0.0/8", "10.0.0.0/33"] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { field: "allowedIpRanges.1", message: expect.stringContaining("CIDR") },
    ]);
    const past = await t.app.inject({
      method: "POST",
      url: keysUrl(),
      headers: admin.headers,
      payload: { name: "Past", role: "User", expiresAt: "2020-01-01T00:00:00Z" },
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().errors[0].field).toBe("expiresAt");
  });

  it("the OpenAPI document describes the bearer scheme and the routes that accept it", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const schemes = (path: string, method: string) =>
      (doc.paths[path][method].security as Record<string, unknown>[]).flatMap((s) => Object.keys(s));
    expect(schemes("/api/accounts/{accountId}/users", "get")).toContain("bearerAuth");
    expect(schemes("/api/accounts/{accountId}/api-keys", "get")).not.toContain("bearerAuth");
    expect(schemes("/api/session", "get")).not.toContain("bearerAuth");
  });
});

describe("API key rate limit, shared by every API process", () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp({ API_KEY_RATE_LIMIT_PER_MINUTE: "3" }, { workers: false });
    second = await startTestApp(
      { API_KEY_RATE_LIMIT_PER_MINUTE: "3", DATABASE_URL: first.deps.config.DATABASE_URL! },
      { workers: false },
    );
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it("counts a key's requests across processes, with RateLimit headers, then 429 + Retry-After", async () => {
    const tree = await createAccountTree(first.deps.db);
    const key = await createApiKey(first.deps.db, tree.partner, "Read-only");
    const url = `/api/accounts/${tree.partner.id}/dashboard`;
    // Four requests within one one-minute window: start early in a window.
    await waitFor("the start of a rate-limit window", async () => Date.now() % 60_000 < 40_000, 30_000);
    const answers = [];
    for (const app of [first.app, second.app, first.app, second.app]) {
      answers.push(await app.inject({ method: "GET", url, headers: key.headers }));
    }
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 429]);
    for (const answer of answers) expect(answer.headers["ratelimit-policy"]).toBe('"per-key";q=3;w=60');
    expect(answers.map((a) => /r=(\d+)/.exec(String(a.headers.ratelimit))?.[1])).toEqual([
      "2",
      "1",
      "0",
      "0",
    ]);
    const refused = answers[3]!;
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.ratelimit).toBe(`"per-key";r=0;t=${retryAfter}`);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
  });
});
