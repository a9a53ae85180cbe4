import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartedEmulator } from "../src/index.js";
import { appToken, CONTOSO, consentDemoApp, graph, startConsentedDemo } from "./helpers.js";

let emu: StartedEmulator;
let token: string;
beforeAll(async () => {
  ({ emu, token } = await startConsentedDemo());
});
afterAll(() => emu?.close());

const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.url}/_emulator${path}`, {
    method,
    headers: body !== undefined ? { "content-type": "application/json" } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
  };
};

describe("throttling and faults", () => {
  it("returns 429 with Retry-After once the per-tenant, per-app bucket is empty", async () => {
    expect(
      (
        await control("POST", "/faults", {
          throttle: { capacity: 3, refillPerSecond: 1, tenantId: "contoso" },
        })
      ).status,
    ).toBe(200);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    let body: { error?: { code: string; innerError: Record<string, string> } } = {};
    for (let i = 0; i < 5; i++) {
      const r = await graph(emu, token, "GET", "/organization");
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = r.headers.get("retry-after");
        body = r.body;
      }
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    // Under heavy machine load a token may refill between calls; at least one call must be throttled.
    expect(statuses.slice(3)).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(body.error?.code).toBe("TooManyRequests");
    expect(body.error?.innerError.date).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1100));
    expect((await graph(emu, token, "GET", "/organization")).status).toBe(200);
    expect((await control("DELETE", "/faults")).status).toBe(204);
  });

  it("fails the next N calls to a path pattern, then recovers", async () => {
    await control("POST", "/faults", { rules: [{ pathPattern: "/users*", count: 2, status: 503 }] });
    expect((await graph(emu, token, "GET", "/users?$top=1")).status).toBe(503);
    expect((await graph(emu, token, "GET", "/users/admin@contoso.example")).status).toBe(503);
    expect((await graph(emu, token, "GET", "/users?$top=1")).status).toBe(200);
    await control("POST", "/faults", { rules: [{ pathPattern: "/organization", count: 1, reset: true }] });
    await expect(graph(emu, token, "GET", "/organization")).rejects.toThrow();
    expect((await graph(emu, token, "GET", "/organization")).status).toBe(200);
  });
});

describe("control API", () => {
  it("lists tenants, shows state and the request log, and can clear the log", async () => {
    const tenants = await control("GET", "/tenants");
    expect(tenants.body.map((t: { name: string }) => t.name)).toEqual(["contoso", "fabrikam"]);
    const state = await control("GET", `/tenants/${CONTOSO.id}`);
    expect(state.body.users).toHaveLength(50);
    expect(
      state.body.servicePrincipals.some(
        (sp: { appId: string }) => sp.appId === "5e1a7c2b-0d3f-4a6e-9b1c-2f8d4e6a0b01",
      ),
    ).toBe(true);
    await graph(emu, token, "PATCH", "/users/user1@contoso.example", { jobTitle: "Tester" });
    const log = await control("GET", "/tenants/contoso/requests");
    expect(log.body.at(-1)).toMatchObject({
      method: "PATCH",
      path: "/graph/v1.0/users/user1@contoso.example",
      body: { jobTitle: "Tester" },
      status: 204,
      surface: "graph",
    });
    await graph(emu, token, "POST", "/users", {
      accountEnabled: true,
      displayName: "Logged",
      mailNickname: "logged",
      userPrincipalName: "logged@contoso.example",
      passwordProfile: { password: "Secret-123!" },
    });
    const posts = await control("GET", "/tenants/contoso/requests?surface=graph&method=post&path=/users");
    expect(posts.body).toHaveLength(1);
    expect(posts.body[0].body.passwordProfile).toEqual({ password: "***" });
    expect((await control("DELETE", "/tenants/contoso/requests")).status).toBe(204);
    expect((await control("GET", "/tenants/contoso/requests")).body).toEqual([]);
    const page = await control("GET", "");
    expect(page.body).toContain("Contoso");
  });

  it("loads a scenario object through the control API", async () => {
    const loaded = await control("POST", "/scenario", {
      scenario: {
        name: "tiny",
        tenants: [{ id: "0b8a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", name: "tiny", domains: ["tiny.example"] }],
      },
    });
    expect(loaded.body).toEqual({ name: "tiny", tenants: ["0b8a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"] });
    const invalid = await control("POST", "/scenario", { scenario: { tenants: [{ id: "x" }] } });
    expect(invalid.status).toBe(400);
    expect((await control("POST", "/scenario", { name: "demo" })).body.name).toBe("demo");
    consentDemoApp(emu, CONTOSO.id);
    token = await appToken(emu, CONTOSO.id);
  });

  it("resets the scenario", async () => {
    await graph(emu, token, "DELETE", "/users/user1@contoso.example");
    expect(emu.state.requireTenant(CONTOSO.id).users.size).toBe(49);
    expect((await control("POST", "/reset")).status).toBe(200);
    expect(emu.state.requireTenant(CONTOSO.id).users.size).toBe(50);
    const generated = await control("POST", `/tenants/${CONTOSO.id}/users/generate`, { count: 100 });
    expect(generated.body.users).toBe(150);
  });
});
