import {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  type PageCollection,
  PageIterator,
} from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartedEmulator } from "../src/index.js";
import { appToken, CONTOSO, consentDemoApp, startDemo } from "./helpers.js";

let emu: StartedEmulator;
let client: Client;

beforeAll(async () => {
  emu = await startDemo();
  consentDemoApp(emu, CONTOSO.id);
  const token = await appToken(emu, CONTOSO.id);
  client = Client.init({
    baseUrl: `${emu.graphUrl}/`,
    defaultVersion: "v1.0",
    customHosts: new Set(["localhost"]),
    authProvider: (done) => done(null, token),
  });
});
afterAll(() => emu?.close());

describe("@microsoft/microsoft-graph-client against the emulator", () => {
  it("pages through /users with PageIterator and $top", async () => {
    const first: PageCollection = await client.api("/users").top(7).select("id,userPrincipalName").get();
    expect(first.value).toHaveLength(7);
    expect(first["@odata.nextLink"]).toContain("$skiptoken=");
    const seen: string[] = [];
    const iterator = new PageIterator(client, first, (u: { id: string }) => {
      seen.push(u.id);
      return true;
    });
    await iterator.iterate();
    expect(seen).toHaveLength(50);
    expect(new Set(seen).size).toBe(50);
    const pages = emu.state.requests(CONTOSO.id).filter((e) => e.path === "/graph/v1.0/users");
    expect(pages).toHaveLength(8);
  });

  it("rejects $top outside 1..999 with Graph's error shape", async () => {
    await expect(client.api("/users").top(1000).get()).rejects.toMatchObject({
      statusCode: 400,
      code: "Request_BadRequest",
      body: expect.stringContaining("innerError"),
    });
  });

  it("sends a $batch with dependsOn and reads the responses", async () => {
    const ok = new BatchRequestContent([
      { id: "1", request: new Request(`${emu.graphUrl}/v1.0/organization`, { method: "GET" }) },
      { id: "2", request: new Request(`${emu.graphUrl}/v1.0/users/admin@contoso.example`), dependsOn: ["1"] },
      { id: "3", request: new Request(`${emu.graphUrl}/v1.0/users?$top=2`), dependsOn: ["1"] },
    ]);
    const okResponses = new BatchResponseContent(await client.api("/$batch").post(await ok.getContent()));
    expect(okResponses.getResponseById("1").status).toBe(200);
    const admin = (await okResponses.getResponseById("2").json()) as { userPrincipalName: string };
    expect(admin.userPrincipalName).toBe("admin@contoso.example");
    expect(((await okResponses.getResponseById("3").json()) as { value: unknown[] }).value).toHaveLength(2);

    const failing = new BatchRequestContent([
      { id: "1", request: new Request(`${emu.graphUrl}/v1.0/users/nobody@contoso.example`) },
      {
        id: "2",
        request: new Request(`${emu.graphUrl}/v1.0/users/nobody@contoso.example`, {
          method: "PATCH",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ jobTitle: "x" }),
        }),
        dependsOn: ["1"],
      },
    ]);
    const failed = new BatchResponseContent(await client.api("/$batch").post(await failing.getContent()));
    expect(failed.getResponseById("1").status).toBe(404);
    expect(failed.getResponseById("2").status).toBe(424);
  });

  it("throttles $batch steps individually, with Retry-After in the step's headers", async () => {
    emu.state.setFaults({ rules: [{ pathPattern: "/organization", count: 1, status: 429, retryAfter: 2 }] });
    const raw = await client.api("/$batch").post({
      requests: [
        { id: "a", method: "GET", url: "/organization" },
        { id: "b", method: "GET", url: "/users?$top=1" },
      ],
    });
    const responses = new BatchResponseContent(raw);
    expect(responses.getResponseById("a").status).toBe(429);
    expect(responses.getResponseById("a").headers.get("Retry-After")).toBe("2");
    expect(responses.getResponseById("b").status).toBe(200);
  });

  it("limits $batch to 20 requests", async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({
      id: String(i + 1),
      method: "GET",
      url: "/organization",
    }));
    await expect(client.api("/$batch").post({ requests })).rejects.toMatchObject({ statusCode: 400 });
  });

  it("RetryHandler honours 429 + Retry-After", async () => {
    emu.state.setFaults({
      rules: [{ pathPattern: "/users/admin@contoso.example", count: 1, status: 429, retryAfter: 1 }],
    });
    const started = Date.now();
    const user = await client.api("/users/admin@contoso.example").get();
    expect(user.userPrincipalName).toBe("admin@contoso.example");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const calls = emu.state
      .requests(CONTOSO.id)
      .filter((e) => e.path === "/graph/v1.0/users/admin@contoso.example");
    expect(calls.map((c) => c.status).slice(-2)).toEqual([429, 200]);
  });
});
