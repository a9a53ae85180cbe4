import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { sessions } from "../src/modules/identity/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { inviteAndActivate, sessionHeaders } from "./support/identity.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const PASSWORD = "correct horse battery staple";
const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

interface SessionItem {
  id: string;
  device: string;
  ip: string | null;
  createdAt: string;
  lastUsedAt: string;
  current: boolean;
}

describe("the Sessions list: every session with its device and last use, each can be ended", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;
  let n = 0;
  const email = () => `sessions${n++}-${Date.now()}@example.test`;

  /** A fresh active user of the partner account with a password, signed in once (activation). */
  const newUser = async (role = "User") => {
    const address = email();
    const { userId } = await inviteAndActivate(t.app, t.deps.db, {
      accountId: tree.partner.id,
      adminHeaders: admin.headers,
      email: address,
      role,
      password: PASSWORD,
    });
    return { userId, email: address };
  };

  const signIn = async (
    username: string,
    userAgent: string,
    remoteAddress: string,
    previous: Record<string, string> = {},
  ) => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      headers: { ...previous, "user-agent": userAgent },
      remoteAddress,
      payload: { username, password: PASSWORD },
    });
    expect(response.statusCode, response.body).toBe(200);
    return sessionHeaders(response);
  };

  const list = async (headers: Record<string, string>) => {
    const response = await t.app.inject({ method: "GET", url: "/api/session/sessions", headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items as SessionItem[];
  };

  const whoAmI = (headers: Record<string, string>) =>
    t.app.inject({ method: "GET", url: "/api/session", headers });

  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
    tree = await createAccountTree(t.deps.db);
    admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
  });
  afterAll(() => t?.stop());

  it("lists the caller's sessions with device, IP, created and last used, and marks the current one", async () => {
    const user = await newUser();
    const laptop = await signIn(user.email, CHROME_LINUX, "198.51.100.10");
    const desktop = await signIn(user.email, FIREFOX_WINDOWS, "198.51.100.11");
    const phone = await signIn(user.email, SAFARI_IPHONE, "2001:db8::7");

    const items = await list(laptop);
    // The activation started a session too (no User-Agent); the three sign-ins are the ones compared.
    const mine = items.filter((item) => item.device !== "Unknown device");
    expect(items).toHaveLength(4);
    expect(mine.map((item) => [item.device, item.ip, item.current]).sort()).toEqual(
      [
        ["Chrome on Linux", "198.51.100.10", true],
        ["Firefox on Windows", "198.51.100.11", false],
        ["Safari on iOS", "2001:db8::7", false],
      ].sort(),
    );
    for (const item of items) {
      expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(item.createdAt))).toBe(false);
      expect(Number.isNaN(Date.parse(item.lastUsedAt))).toBe(false);
    }
    // The public id is neither the cookie value nor its stored hash.
    const body = JSON.stringify(items);
    for (const headers of [laptop, desktop, phone]) {
      expect(body).not.toContain(headers.cookie!.split("=")[1]);
    }
    const stored = await t.deps.db.select().from(sessions).where(eq(sessions.userId, user.userId));
    for (const row of stored) expect(body).not.toContain(row.idHash);

    // Only the caller's own sessions: another user's never show up.
    expect(items.every((item) => stored.some((row) => row.publicId === item.id))).toBe(true);

    // Last use moves when the session is used (the store touches it at most once a minute).
    const desktopId = (await list(desktop)).find((item) => item.current)!.id;
    const longAgo = new Date(Date.now() - 10 * 60_000);
    await t.deps.db.update(sessions).set({ lastSeenAt: longAgo }).where(eq(sessions.publicId, desktopId));
    const before = (await list(laptop)).find((item) => item.id === desktopId)!;
    expect(Date.parse(before.lastUsedAt)).toBe(longAgo.getTime());
    expect((await whoAmI(desktop)).statusCode).toBe(200);
    const after = (await list(laptop)).find((item) => item.id === desktopId)!;
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(longAgo.getTime() + 5 * 60_000);
  });

  it("ends one session: its cookie is refused on the next request, the others keep working", async () => {
    const user = await newUser();
    const laptop = await signIn(user.email, CHROME_LINUX, "198.51.100.20");
    const phone = await signIn(user.email, SAFARI_IPHONE, "198.51.100.21");
    const phoneId = (await list(phone)).find((item) => item.current)!.id;

    const ended = await t.app.inject({
      method: "DELETE",
      url: `/api/session/sessions/${phoneId}`,
      headers: laptop,
    });
    expect(ended.statusCode, ended.body).toBe(204);
    expect((await whoAmI(phone)).statusCode).toBe(401);
    expect((await whoAmI(laptop)).statusCode).toBe(200);
    expect((await list(laptop)).some((item) => item.id === phoneId)).toBe(false);

    const [audit] = await t.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "session.ended"), eq(auditEvents.targetId, user.userId)));
    expect(audit).toBeDefined();

    // Ending it again, or someone else's session, is a 404 that reveals nothing.
    const again = await t.app.inject({
      method: "DELETE",
      url: `/api/session/sessions/${phoneId}`,
      headers: laptop,
    });
    expect(again.statusCode).toBe(404);
    expect(again.headers["content-type"]).toContain("application/problem+json");
    const adminSessionId = (await list(admin.headers)).find((item) => item.current)!.id;
    const foreign = await t.app.inject({
      method: "DELETE",
      url: `/api/session/sessions/${adminSessionId}`,
      headers: laptop,
    });
    expect(foreign.statusCode).toBe(404);
    expect((await whoAmI(admin.headers)).statusCode).toBe(200);

    const malformed = await t.app.inject({
      method: "DELETE",
      url: "/api/session/sessions/not-a-uuid",
      headers: laptop,
    });
    expect(malformed.statusCode).toBe(400);
  });

  it("ending the current session signs this browser out", async () => {
    const user = await newUser();
    const laptop = await signIn(user.email, CHROME_LINUX, "198.51.100.25");
    const id = (await list(laptop)).find((item) => item.current)!.id;
    const ended = await t.app.inject({
      method: "DELETE",
      url: `/api/session/sessions/${id}`,
      headers: laptop,
    });
    expect(ended.statusCode).toBe(204);
    expect(ended.cookies.find((c) => c.name === "s2t_session")?.value).toBe("");
    expect((await whoAmI(laptop)).statusCode).toBe(401);
  });

  it("ends all other sessions and keeps the current one", async () => {
    const user = await newUser();
    const laptop = await signIn(user.email, CHROME_LINUX, "198.51.100.30");
    const desktop = await signIn(user.email, FIREFOX_WINDOWS, "198.51.100.31");
    const phone = await signIn(user.email, SAFARI_IPHONE, "198.51.100.32");

    const response = await t.app.inject({
      method: "POST",
      url: "/api/session/sessions/end-others",
      headers: laptop,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().endedSessions).toBeGreaterThanOrEqual(3); // desktop, phone and the activation session
    expect((await whoAmI(desktop)).statusCode).toBe(401);
    expect((await whoAmI(phone)).statusCode).toBe(401);
    expect((await whoAmI(laptop)).statusCode).toBe(200);
    const items = await list(laptop);
    expect(items).toHaveLength(1);
    expect(items[0]!.current).toBe(true);
  });

  it("signing in again in the same browser ends that browser's previous session and rotates the id", async () => {
    const user = await newUser();
    const first = await signIn(user.email, CHROME_LINUX, "198.51.100.40");
    const firstId = (await list(first)).find((item) => item.current)!.id;

    const second = await signIn(user.email, CHROME_LINUX, "198.51.100.40", first);
    expect(second.cookie).not.toBe(first.cookie);
    expect(second["x-csrf-token"]).not.toBe(first["x-csrf-token"]);
    expect((await whoAmI(first)).statusCode).toBe(401);
    const items = await list(second);
    const current = items.find((item) => item.current)!;
    expect(current.id).not.toBe(firstId);
    expect(items.some((item) => item.id === firstId)).toBe(false);
  });

  it("an Admin ends every session of a user they manage; audited", async () => {
    const user = await newUser();
    const laptop = await signIn(user.email, CHROME_LINUX, "198.51.100.50");
    const phone = await signIn(user.email, SAFARI_IPHONE, "198.51.100.51");

    const response = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/users/${user.userId}/sessions/end-all`,
      headers: admin.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().endedSessions).toBeGreaterThanOrEqual(2);
    expect((await whoAmI(laptop)).statusCode).toBe(401);
    expect((await whoAmI(phone)).statusCode).toBe(401);
    expect(await t.deps.db.select().from(sessions).where(eq(sessions.userId, user.userId))).toEqual([]);
    expect((await whoAmI(admin.headers)).statusCode).toBe(200);

    const [audit] = await t.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "user.sessions-ended"), eq(auditEvents.targetId, user.userId)));
    expect(audit?.accountId).toBe(tree.partner.id);

    // The user can sign in again afterwards.
    await signIn(user.email, CHROME_LINUX, "198.51.100.50");
  });

  it("an Admin of a sibling account gets 404, a User gets 403, and nothing is ended", async () => {
    const user = await newUser();
    const laptop = await signIn(user.email, CHROME_LINUX, "198.51.100.60");
    const siblingAdmin = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
    const colleague = await createSignedInUser(t.deps.db, tree.partner, "User");

    const viaOwnAccount = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/users/${user.userId}/sessions/end-all`,
      headers: siblingAdmin.headers,
    });
    expect(viaOwnAccount.statusCode).toBe(404);
    const viaSibling = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.sibling.id}/users/${user.userId}/sessions/end-all`,
      headers: siblingAdmin.headers,
    });
    expect(viaSibling.statusCode).toBe(404);
    const byUser = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/users/${user.userId}/sessions/end-all`,
      headers: colleague.headers,
    });
    expect(byUser.statusCode).toBe(403);
    expect((await whoAmI(laptop)).statusCode).toBe(200);
  });
});
