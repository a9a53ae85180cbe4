import { randomBytes } from "node:crypto";
import net from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sipDevices } from "../src/modules/teams-users/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { inviteAndActivate } from "./support/identity.js";
import { enterpriseWithSyncedUsers } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

/** Sends the request head and the first part of a body, keeps the connection open and collects the answer. */
function partialUpload(port: number, head: string, firstPart: string) {
  const socket = net.connect(port, "127.0.0.1");
  let answer = "";
  socket.on("data", (chunk) => {
    answer += chunk.toString();
  });
  socket.on("error", () => {});
  socket.write(head + firstPart);
  return { answer: () => answer, close: () => socket.destroy() };
}

describe("request bodies, caching and request logs (issue 17: items 2, 11, 14)", () => {
  let t: TestApp;
  let port = 0;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await startTestApp({ TEAMS_USERS_SYNC_MINUTES: "0" });
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    port = (t.app.server.address() as net.AddressInfo).port;
    tree = await createAccountTree(t.deps.db);
    admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
  });
  afterAll(async () => t?.stop());

  describe("item 2: pre-auth bodies cannot stall the server", () => {
    it("refuses a 19 MB nested-array sign-in with 413 problem+json", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: nested(9_500_000),
      });
      expect(response.status).toBe(413);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(((await response.json()) as { status: number }).status).toBe(413);
    });

    it("refuses an announced oversized body before reading it, and /healthz answers while it is in flight", async () => {
      const upload = partialUpload(
        port,
        "POST /api/auth/sign-in HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
          `Content-Length: ${19 * 1024 * 1024}\r\n\r\n`,
        "[".repeat(4096),
      );
      try {
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(health.status).toBe(200);
        // Only 4 KB of the announced 19 MB were sent: the answer comes from the Content-Length alone.
        const answer = await waitFor("the 413 answer", async () => upload.answer() || null, 20_000);
        expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      } finally {
        upload.close();
      }
    });

    it("refuses JSON nested deeper than 64 levels with 400 and a field message, signed in or not", async () => {
      const anonymous = await t.app.inject({
        method: "POST",
        url: "/api/auth/sign-in",
        headers: { "content-type": "application/json" },
        payload: nested(1000),
      });
      expect(anonymous.statusCode).toBe(400);
      expect(anonymous.json().errors).toEqual([
        { field: "body", message: "The JSON body nests deeper than 64 levels." },
      ]);

      const signedIn = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.partner.id}/users`,
        headers: { ...admin.headers, "content-type": "application/json" },
        payload: `{"name":${nested(100)}}`,
      });
      expect(signedIn.statusCode).toBe(400);
      expect(signedIn.json().errors[0].message).toBe("The JSON body nests deeper than 64 levels.");

      // Brackets inside strings are data, not nesting.
      const inString = await t.app.inject({
        method: "POST",
        url: "/api/auth/sign-in",
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ username: nested(200), password: "x" }),
      });
      expect(inString.json().errors?.[0]?.message).not.toBe("The JSON body nests deeper than 64 levels.");
    });

    it("gives public routes a small body limit and refuses anonymous bodies on signed-in routes unread", async () => {
      const big = JSON.stringify({ username: "a@example.test", password: "x".repeat(64 * 1024) });
      const publicRoute = await t.app.inject({
        method: "POST",
        url: "/api/auth/sign-in",
        headers: { "content-type": "application/json" },
        payload: big,
      });
      expect(publicRoute.statusCode).toBe(413);

      const anonymous = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.partner.id}/users`,
        headers: { "content-type": "application/json" },
        payload: nested(500_000),
      });
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe("item 14: sensitive answers are not cacheable", () => {
    it("sends Cache-Control: no-store on sign-in, /api/session and a revealed SIP password", async () => {
      const password = "correct horse battery staple";
      const email = `cache-${Date.now()}@example.test`;
      await inviteAndActivate(t.app, t.deps.db, {
        accountId: tree.partner.id,
        adminHeaders: admin.headers,
        email,
        role: "User",
        password,
      });
      const signIn = await t.app.inject({
        method: "POST",
        url: "/api/auth/sign-in",
        payload: { username: email, password },
      });
      expect(signIn.statusCode, signIn.body).toBe(200);
      expect(signIn.headers["cache-control"]).toBe("no-store");

      const session = await t.app.inject({ url: "/api/session", headers: admin.headers });
      expect(session.statusCode).toBe(200);
      expect(session.json().csrfToken).toBeTruthy();
      expect(session.headers["cache-control"]).toBe("no-store");

      const seeded = await enterpriseWithSyncedUsers(t.deps.db, tree.enterprise, 2);
      const created = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.enterprise.id}/teams-users`,
        headers: admin.headers,
        payload: {
          teamsUserObjectId: seeded.users[0]!.objectId,
          pbxLocation: "PBX",
          regionId: seeded.region.id,
          sipUser: "100",
          phoneNumber: "+14255551000",
          disableVoicemail: true,
          assignDialPlan: true,
          devices: [{ authId: "dev0", password: "Abc12345" }],
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const [device] = await t.deps.db
        .select()
        .from(sipDevices)
        .where(eq(sipDevices.provisionedUserId, created.json().id));
      const reveal = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.enterprise.id}/teams-users/${created.json().id}/devices/${device!.id}/reveal`,
        headers: admin.headers,
      });
      expect(reveal.json()).toEqual({ password: "Abc12345" });
      expect(reveal.headers["cache-control"]).toBe("no-store");
    });
  });

  describe("item 11: capabilities never reach the request log", () => {
    it("redacts the OAuth callback's query and link tokens in the path", async () => {
      const secrets = [
        "CODEcapability123",
        "STATEcapability456",
        "SESSIONstate789",
        randomBytes(32).toString("base64url"),
        randomBytes(32).toString("hex"),
      ];
      await t.app.inject({
        url: `/api/microsoft/callback?code=${secrets[0]}&state=${secrets[1]}&session_state=${secrets[2]}`,
      });
      await t.app.inject({
        method: "POST",
        url: `/api/microsoft/authorization-requests/${secrets[3]}/connect`,
      });
      // Any random token used as a path segment, on any route, matched or not.
      await t.app.inject({ url: `/api/auth/links/${secrets[4]}` });
      const lines = await waitFor("the request log lines", async () => {
        const found = t.logs.filter((line) => JSON.stringify(line).includes("/api/microsoft/"));
        return found.length >= 2 && t.logs.some((line) => JSON.stringify(line).includes("/api/auth/links/"))
          ? found
          : null;
      });
      const written = JSON.stringify(t.logs);
      for (const secret of secrets) expect(written).not.toContain(secret);
      expect(JSON.stringify(lines)).toContain("/api/microsoft/callback?code=[redacted]&state=[redacted]");
      expect(JSON.stringify(lines)).toContain("/api/microsoft/authorization-requests/[redacted]/connect");
    });
  });
});
