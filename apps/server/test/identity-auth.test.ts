import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { sessions, userTokens } from "../src/modules/identity/schema.js";
import { mailMessages } from "../src/modules/mail/schema.js";
import { type createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import {
  inviteAndActivate,
  lastMailTo,
  readMail,
  sessionHeaders,
  startWithPartnerAdmin,
} from "./support/identity.js";
import type { TestApp } from "./support/test-app.js";

const PASSWORD = "correct horse battery staple";

describe("activation, sign-in, lockout and password reset", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;
  let n = 0;
  const email = () => `person${n++}-${Date.now()}@example.test`;
  const post = (
    url: string,
    payload: unknown,
    headers: Record<string, string> = {},
    remoteAddress = "198.51.100.1",
  ) => t.app.inject({ method: "POST", url, payload: payload as object, headers, remoteAddress });
  const invite = async (address: string, role = "User") => {
    const response = await post(
      `/api/accounts/${tree.partner.id}/users`,
      { name: "Ada Lovelace", email: address, role },
      admin.headers,
    );
    expect(response.statusCode, response.body).toBe(201);
    return readMail(await lastMailTo(t.deps.db, address));
  };

  beforeAll(async () => {
    // Workers on: the password reset email is sent by a job.
    ({ t, tree, admin } = await startWithPartnerAdmin());
  });
  afterAll(() => t?.stop());

  it("sends an activation email with a link and a temporary password; activation signs the user in", async () => {
    const address = email();
    const mail = await invite(address);
    expect(mail.label).toBe("Activate Your Account");
    expect(mail.url).toMatch(/^http:\/\/localhost:3000\/activate#token=/);
    expect(mail.temporaryPassword).toHaveLength(16);
    const stored = await t.deps.db.select().from(userTokens);
    expect(JSON.stringify(stored)).not.toContain(mail.token);

    const wrong = await post("/api/auth/activate", {
      token: mail.token,
      currentPassword: "not-the-temporary-one",
      newPassword: PASSWORD,
      confirmPassword: PASSWORD,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors).toEqual([
      { field: "currentPassword", message: "The temporary password is incorrect." },
    ]);

    const weak = await post("/api/auth/activate", {
      token: mail.token,
      currentPassword: mail.temporaryPassword,
      newPassword: "short",
      confirmPassword: "different",
    });
    expect(weak.statusCode).toBe(400);
    expect(
      weak
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(["confirmPassword", "newPassword"]);
    for (const bad of ["Password1234!", "qwertyuiop2024", `${address}x`, "passwordpassword"]) {
      const response = await post("/api/auth/activate", {
        token: mail.token,
        currentPassword: mail.temporaryPassword,
        newPassword: bad,
        confirmPassword: bad,
      });
      expect(response.statusCode, bad).toBe(400);
      expect(response.json().errors[0].field).toBe("newPassword");
    }

    const ok = await post("/api/auth/activate", {
      token: mail.token,
      currentPassword: mail.temporaryPassword,
      newPassword: PASSWORD,
      confirmPassword: PASSWORD,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().user.email).toBe(address);
    const cookie = ok.cookies.find((c) => c.name === "s2t_session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Lax");
    // Neither the token nor any password reaches the log.
    // (The dev outbox prints its links on purpose; it never runs in production.)
    const logged = JSON.stringify(t.logs.filter((line) => line.msg !== "mail stored in dev outbox"));
    for (const secret of [mail.token, mail.temporaryPassword, PASSWORD]) expect(logged).not.toContain(secret);
    const me = await t.app.inject({ url: "/api/session", headers: sessionHeaders(ok) });
    expect(me.json().user.email).toBe(address);

    // The link and temporary password are single-use.
    const again = await post("/api/auth/activate", {
      token: mail.token,
      currentPassword: mail.temporaryPassword,
      newPassword: `${PASSWORD}!`,
      confirmPassword: `${PASSWORD}!`,
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().errors[0].field).toBe("token");
  });

  it("tells the activation page whether its link is still usable, and nothing else", async () => {
    const address = email();
    const mail = await invite(address);
    const check = (token: string) => post("/api/auth/activation-link", { token }, {}, "198.51.100.7");
    const fresh = await check(mail.token);
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json()).toEqual({ usable: true });
    const ok = await post("/api/auth/activate", {
      token: mail.token,
      currentPassword: mail.temporaryPassword,
      newPassword: PASSWORD,
      confirmPassword: PASSWORD,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const used = await check(mail.token);
    expect(used.json()).toEqual({ usable: false });
    expect(used.body).not.toContain(address);
    expect((await check("not-a-token")).json()).toEqual({ usable: false });
  });

  it("refuses expired activation links, and resending an invitation kills the previous one", async () => {
    const address = email();
    const first = await invite(address);
    const user = (
      await t.app.inject({ url: `/api/accounts/${tree.partner.id}/users`, headers: admin.headers })
    )
      .json()
      .items.find((u: { email: string }) => u.email === address);
    const resent = await post(
      `/api/accounts/${tree.partner.id}/users/${user.id}/resend-invitation`,
      undefined,
      admin.headers,
    );
    expect(resent.statusCode).toBe(200);
    const second = readMail(await lastMailTo(t.deps.db, address));
    expect(second.token).not.toBe(first.token);
    const old = await post("/api/auth/activate", {
      token: first.token,
      currentPassword: first.temporaryPassword,
      newPassword: PASSWORD,
      confirmPassword: PASSWORD,
    });
    expect(old.statusCode).toBe(400);
    expect(old.json().errors[0].field).toBe("token");

    await t.deps.db
      .update(userTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(userTokens.userId, user.id));
    const expired = await post("/api/auth/activate", {
      token: second.token,
      currentPassword: second.temporaryPassword,
      newPassword: PASSWORD,
      confirmPassword: PASSWORD,
    });
    expect(expired.statusCode).toBe(400);
    expect(expired.json().errors[0].field).toBe("token");
  });

  it("signs in username-first with a new session id every time, revoking the one the browser held", async () => {
    const address = email();
    await inviteAndActivate(t.app, t.deps.db, {
      accountId: tree.partner.id,
      adminHeaders: admin.headers,
      email: address,
      role: "User",
      password: PASSWORD,
    });
    const first = await post("/api/auth/sign-in", { username: address.toUpperCase(), password: PASSWORD });
    expect(first.statusCode, first.body).toBe(200);
    const firstHeaders = sessionHeaders(first);
    const second = await post("/api/auth/sign-in", { username: address, password: PASSWORD }, firstHeaders);
    expect(second.statusCode).toBe(200);
    const secondHeaders = sessionHeaders(second);
    expect(secondHeaders.cookie).not.toBe(firstHeaders.cookie);
    expect((await t.app.inject({ url: "/api/session", headers: firstHeaders })).statusCode).toBe(401);
    expect((await t.app.inject({ url: "/api/session", headers: secondHeaders })).statusCode).toBe(200);

    // Sign out everywhere ends every session of the user.
    const third = sessionHeaders(await post("/api/auth/sign-in", { username: address, password: PASSWORD }));
    const everywhere = await post("/api/session/sign-out-everywhere", undefined, secondHeaders);
    expect(everywhere.statusCode).toBe(204);
    expect((await t.app.inject({ url: "/api/session", headers: third })).statusCode).toBe(401);
  });

  it("answers the same for unknown users and wrong passwords, and locks a (username, client) pair after 5 failures", async () => {
    const address = email();
    await inviteAndActivate(t.app, t.deps.db, {
      accountId: tree.partner.id,
      adminHeaders: admin.headers,
      email: address,
      role: "User",
      password: PASSWORD,
    });
    const unknown = await post(
      "/api/auth/sign-in",
      { username: `nobody-${address}`, password: PASSWORD },
      {},
      "198.51.100.20",
    );
    const wrong = await post(
      "/api/auth/sign-in",
      { username: address, password: "wrong password!" },
      {},
      "198.51.100.20",
    );
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json().detail).toBe(wrong.json().detail);

    for (let i = 0; i < 4; i++) {
      const response = await post(
        "/api/auth/sign-in",
        { username: address, password: `wrong ${i}` },
        {},
        "198.51.100.20",
      );
      expect(response.statusCode).toBe(401);
    }
    // Locked now for that client, even with the right password; other clients are not locked out.
    const locked = await post(
      "/api/auth/sign-in",
      { username: address, password: PASSWORD },
      {},
      "198.51.100.20",
    );
    expect(locked.statusCode).toBe(429);
    expect(locked.json().detail).toMatch(/Try again in \d+ minute/);
    expect(
      (await post("/api/auth/sign-in", { username: address, password: PASSWORD }, {}, "198.51.100.99"))
        .statusCode,
    ).toBe(200);
    // An unknown username locks the same way, so lockouts reveal nothing.
    for (let i = 0; i < 5; i++)
      await post(
        "/api/auth/sign-in",
        { username: `ghost-${address}`, password: `x${i}` },
        {},
        "198.51.100.40",
      );
    expect(
      (await post("/api/auth/sign-in", { username: `ghost-${address}`, password: "x" }, {}, "198.51.100.40"))
        .statusCode,
    ).toBe(429);

    const audit = await t.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "sign-in.locked-out"));
    expect(audit.some((e) => (e.after as { username: string }).username === address)).toBe(true);
    const failed = await t.deps.db
      .select({ n: count() })
      .from(auditEvents)
      .where(eq(auditEvents.action, "sign-in.failed"));
    expect(failed[0]!.n).toBeGreaterThanOrEqual(5);
  });

  it("rate limits one IP address across usernames", async () => {
    const ip = "203.0.113.77";
    for (let i = 0; i < 20; i++) {
      const response = await post(
        "/api/auth/sign-in",
        { username: `spray${i}@example.test`, password: "Winter2024!!" },
        {},
        ip,
      );
      expect(response.statusCode).toBe(401);
    }
    const blocked = await post(
      "/api/auth/sign-in",
      { username: "fresh@example.test", password: "Winter2024!!" },
      {},
      ip,
    );
    expect(blocked.statusCode).toBe(429);
    const elsewhere = await post(
      "/api/auth/sign-in",
      { username: "fresh@example.test", password: "Winter2024!!" },
      {},
      "203.0.113.78",
    );
    expect(elsewhere.statusCode).toBe(401);
    const lockouts = await t.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "sign-in.locked-out"));
    expect(lockouts.some((e) => e.ip === ip)).toBe(true);
  });

  it("resets a forgotten password with a single-use link and revokes every other session", async () => {
    const address = email();
    const { headers: oldSession } = await inviteAndActivate(t.app, t.deps.db, {
      accountId: tree.partner.id,
      adminHeaders: admin.headers,
      email: address,
      role: "User",
      password: PASSWORD,
    });
    const mailsBefore = (await t.deps.db.select({ n: count() }).from(mailMessages))[0]!.n;
    const unknown = await post(
      "/api/auth/forgot-password",
      { username: `nobody-${address}` },
      {},
      "192.0.2.10",
    );
    const known = await post("/api/auth/forgot-password", { username: address }, {}, "192.0.2.10");
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    await expect
      .poll(async () => (await t.deps.db.select({ n: count() }).from(mailMessages))[0]!.n)
      .toBe(mailsBefore + 1);
    const mail = await lastMailTo(t.deps.db, address);
    expect(mail.subject).toBe("Reset password instructions");
    const { token, label } = readMail(mail);
    expect(label).toBe("Set New Password");

    const mismatch = await post("/api/auth/reset-password", {
      token,
      newPassword: "a new long passphrase",
      confirmPassword: "other",
    });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().errors).toEqual([
      { field: "confirmPassword", message: "The passwords do not match." },
    ]);

    const newPassword = "a new long passphrase";
    const reset = await post("/api/auth/reset-password", {
      token,
      newPassword,
      confirmPassword: newPassword,
    });
    expect(reset.statusCode, reset.body).toBe(200);
    expect((await t.app.inject({ url: "/api/session", headers: oldSession })).statusCode).toBe(401);
    expect((await t.app.inject({ url: "/api/session", headers: sessionHeaders(reset) })).statusCode).toBe(
      200,
    );
    const userSessions = await t.deps.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, reset.json().user.id));
    expect(userSessions).toHaveLength(1);

    const reused = await post("/api/auth/reset-password", {
      token,
      newPassword: "yet another passphrase",
      confirmPassword: "yet another passphrase",
    });
    expect(reused.statusCode).toBe(400);
    expect(reused.json().errors[0].field).toBe("token");
    expect((await post("/api/auth/sign-in", { username: address, password: PASSWORD })).statusCode).toBe(401);
    expect((await post("/api/auth/sign-in", { username: address, password: newPassword })).statusCode).toBe(
      200,
    );

    // Expired reset links are refused.
    await post("/api/auth/forgot-password", { username: address }, {}, "192.0.2.11");
    await expect.poll(async () => readMail(await lastMailTo(t.deps.db, address)).token).not.toBe(token);
    const next = readMail(await lastMailTo(t.deps.db, address)).token;
    await t.deps.db
      .update(userTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(and(eq(userTokens.userId, reset.json().user.id), eq(userTokens.purpose, "password-reset")));
    const expired = await post("/api/auth/reset-password", {
      token: next,
      newPassword: "fresh passphrase here",
      confirmPassword: "fresh passphrase here",
    });
    expect(expired.statusCode).toBe(400);
  });

  it("ends idle sessions and sessions past their absolute lifetime", async () => {
    const idle = await createSignedInUser(t.deps.db, tree.partner, "User");
    const old = await createSignedInUser(t.deps.db, tree.partner, "User");
    await t.deps.db
      .update(sessions)
      .set({ lastSeenAt: new Date(Date.now() - (t.deps.config.SESSION_IDLE_MINUTES + 1) * 60_000) })
      .where(eq(sessions.userId, idle.userId));
    await t.deps.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.userId, old.userId));
    expect((await t.app.inject({ url: "/api/session", headers: idle.headers })).statusCode).toBe(401);
    expect((await t.app.inject({ url: "/api/session", headers: old.headers })).statusCode).toBe(401);
    expect(await t.deps.db.select().from(sessions).where(eq(sessions.userId, idle.userId))).toEqual([]);
  });

  it("refuses a state-changing request without the CSRF token and writes nothing", async () => {
    const address = email();
    const response = await post(
      `/api/accounts/${tree.partner.id}/users`,
      { name: "Eve", email: address, role: "Admin" },
      { cookie: admin.headers.cookie! },
    );
    expect(response.statusCode).toBe(403);
    const crossOrigin = await post(
      `/api/accounts/${tree.partner.id}/users`,
      { name: "Eve", email: address, role: "Admin" },
      {
        ...admin.headers,
        origin: "https://evil.example",
      },
    );
    expect(crossOrigin.statusCode).toBe(403);
    const list = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/users`,
      headers: admin.headers,
    });
    expect(list.json().items.some((u: { email: string }) => u.email === address)).toBe(false);
  });
});
