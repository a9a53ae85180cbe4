import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { and, eq } from "drizzle-orm";
import type { LightMyRequestResponse } from "fastify";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { hashPassword } from "../src/modules/identity/passwords.js";
import { portalUsers } from "../src/modules/identity/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { lastMailTo, sessionHeaders } from "./support/identity.js";
import {
  configureOperator,
  connectAsGlobalAdmin,
  demoGlobalAdmin,
  demoUser1,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  startEmulator,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const { contoso, fabrikam } = DEMO_TENANTS;
const PASSWORD = "correct horse battery staple";

describe("Sign in with Microsoft", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partnerAdmin: SignedInUser;
  let enterpriseId: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp(emulatorEnv(emulator), { workers: false });
    tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerAdmin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const regions = await configureOperator(t, tree.operator, operatorAdmin);
    enterpriseId = await onboardEnterprise(t, tree.partner, partnerAdmin, regions, "contoso");
    const landing = await connectAsGlobalAdmin(t, emulator, enterpriseId, partnerAdmin, contoso);
    expect(landing).toMatch(/^\/microsoft\/result\//);
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  /** What the portal's Sign in with Microsoft button starts: the redirect and the cookie binding the browser. */
  async function start(headers: Record<string, string> = {}) {
    const started = await t.app.inject({ url: "/api/auth/microsoft/start", headers });
    expect(started.statusCode, started.body).toBe(302);
    const bound = started.cookies.find((c) => c.name === "s2t_ms_sign_in");
    expect(bound).toBeDefined();
    return { authorizeUrl: String(started.headers.location), flowCookie: `s2t_ms_sign_in=${bound!.value}` };
  }

  /**
   * Plays the person's browser at Microsoft (account, password, permissions) until Microsoft redirects back
   * to the portal's callback; returns that callback URL (path + query).
   */
  const microsoftSignIn = (authorizeUrl: string, who: { login: string; password: string }) =>
    playConsent(t, emulator, authorizeUrl, who, { stopAtPortal: true });

  async function signInAs(who: { login: string; password: string }) {
    const { authorizeUrl, flowCookie } = await start();
    const callbackUrl = await microsoftSignIn(authorizeUrl, who);
    expect(callbackUrl).toMatch(/^\/api\/auth\/microsoft\/callback\?/);
    const callback = await t.app.inject({ url: callbackUrl, headers: { cookie: flowCookie } });
    expect(callback.statusCode).toBe(302);
    return { callback, callbackUrl, flowCookie, landing: String(callback.headers.location) };
  }

  async function sessionOf(callback: LightMyRequestResponse) {
    const cookie = callback.cookies.find((c) => c.name === "s2t_session");
    expect(cookie, `no session; landed on ${callback.headers.location}`).toBeDefined();
    const session = await t.app.inject({
      url: "/api/session",
      headers: { cookie: `s2t_session=${cookie!.value}` },
    });
    expect(session.statusCode).toBe(200);
    return {
      body: session.json(),
      headers: { cookie: `s2t_session=${cookie!.value}`, "x-csrf-token": session.json().csrfToken as string },
    };
  }

  const usersNamed = (accountId: string, email: string) =>
    t.deps.db
      .select()
      .from(portalUsers)
      .where(and(eq(portalUsers.accountId, accountId), eq(portalUsers.email, email)));

  let globalAdminHeaders: Record<string, string>;

  it("a Global Admin of a connected tenant lands in its enterprise as Admin (user created, audited)", async () => {
    const { authorizeUrl } = await start();
    const url = new URL(authorizeUrl);
    expect(url.origin).toBe(emulator.url);
    expect(url.pathname).toBe("/organizations/oauth2/v2.0/authorize");
    expect(url.searchParams.get("scope")).toBe("openid profile email");
    expect(url.searchParams.get("nonce")).toBeTruthy();
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("redirect_uri")).toBe("http://localhost:3000/api/auth/microsoft/callback");

    const { callback, landing } = await signInAs(demoGlobalAdmin(contoso));
    expect(landing).toBe("/");
    const session = await sessionOf(callback);
    expect(session.body.user).toMatchObject({ email: `admin@${contoso.domain}`, role: "Admin" });
    expect(session.body.account).toMatchObject({ id: enterpriseId, kind: "enterprise" });
    globalAdminHeaders = session.headers;
    const [created] = await usersNamed(enterpriseId, `admin@${contoso.domain}`);
    expect(created).toMatchObject({ role: "Admin", status: "active", passwordHash: null });
    const audit = await t.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "user.created-by-microsoft-sign-in"));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ accountId: enterpriseId, targetId: created!.id });

    // The next sign-in finds the same user.
    const again = await signInAs(demoGlobalAdmin(contoso));
    expect((await sessionOf(again.callback)).body.user.id).toBe(created!.id);
    expect(await usersNamed(enterpriseId, `admin@${contoso.domain}`)).toHaveLength(1);
  });

  it("a user of that tenant who is not a Global Admin and not invited is refused", async () => {
    const { callback, landing } = await signInAs(demoUser1(contoso));
    expect(landing).toBe("/sign-in/microsoft?error=unknown_user");
    expect(callback.cookies.find((c) => c.name === "s2t_session")).toBeUndefined();
    expect(await usersNamed(enterpriseId, `user1@${contoso.domain}`)).toHaveLength(0);
  });

  it("the same user, once invited by a portal Admin, signs in and the invitation is accepted", async () => {
    const invited = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/users`,
      headers: globalAdminHeaders,
      payload: { name: "User One", email: `user1@${contoso.domain}`, role: "User" },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    const { callback, landing } = await signInAs(demoUser1(contoso));
    expect(landing).toBe("/");
    const session = await sessionOf(callback);
    expect(session.body.user).toMatchObject({ email: `user1@${contoso.domain}`, role: "User" });
    expect(session.body.account.id).toBe(enterpriseId);
    const [user] = await usersNamed(enterpriseId, `user1@${contoso.domain}`);
    expect(user!.status).toBe("active");
  });

  it("a tenant that is not connected (nor enabled by a partner) is refused", async () => {
    const { callback, landing } = await signInAs(demoGlobalAdmin(fabrikam));
    expect(landing).toBe("/sign-in/microsoft?error=wrong_tenant");
    expect(callback.cookies.find((c) => c.name === "s2t_session")).toBeUndefined();
    const fabrikamUsers = await t.deps.db
      .select()
      .from(portalUsers)
      .where(eq(portalUsers.email, `admin@${fabrikam.domain}`));
    expect(fabrikamUsers).toHaveLength(0);
  });

  it("a disabled portal user is refused, Global Admin or not", async () => {
    const [user1] = await usersNamed(enterpriseId, `user1@${contoso.domain}`);
    const disable = await t.app.inject({
      method: "PATCH",
      url: `/api/accounts/${enterpriseId}/users/${user1!.id}`,
      headers: globalAdminHeaders,
      payload: { status: "disabled" },
    });
    expect(disable.statusCode, disable.body).toBe(200);
    const { callback, landing } = await signInAs(demoUser1(contoso));
    expect(landing).toBe("/sign-in/microsoft?error=disabled");
    expect(callback.cookies.find((c) => c.name === "s2t_session")).toBeUndefined();
  });

  it("a replayed callback, or one from another browser, is refused; nothing of the callback is logged", async () => {
    const { callbackUrl, flowCookie } = await signInAs(demoGlobalAdmin(contoso));
    const replay = await t.app.inject({ url: callbackUrl, headers: { cookie: flowCookie } });
    expect(replay.headers.location).toBe("/sign-in/microsoft?error=state_expired");
    expect(replay.cookies.find((c) => c.name === "s2t_session")).toBeUndefined();

    // Nothing Microsoft sent back reaches the log: not the code or state, nor an error's description.
    const secretOf = (name: string) => new URL(callbackUrl, "http://x").searchParams.get(name)!;
    const errorBack = await start();
    const state = new URL(errorBack.authorizeUrl).searchParams.get("state")!;
    const cancelled = await t.app.inject({
      url: `/api/auth/microsoft/callback?error=access_denied&error_description=AADSTS65004+admin%40${contoso.domain}+declined&state=${state}`,
      headers: { cookie: errorBack.flowCookie },
    });
    expect(cancelled.headers.location).toBe("/sign-in/microsoft?error=cancelled");
    const logged = JSON.stringify(t.logs);
    for (const secret of [secretOf("code"), secretOf("state"), state, `admin%40${contoso.domain}`])
      expect(logged).not.toContain(secret);

    const { authorizeUrl } = await start();
    const foreign = await t.app.inject({
      url: await microsoftSignIn(authorizeUrl, demoGlobalAdmin(contoso)),
    });
    expect(foreign.headers.location).toBe("/sign-in/microsoft?error=state_expired");
    expect(foreign.cookies.find((c) => c.name === "s2t_session")).toBeUndefined();
  });

  it("Microsoft's MFA (amr) stands in for portal two-factor; without it the portal asks for the code", async () => {
    // The Global Admin's portal user gets a password and enrols in two-factor authentication.
    const [admin] = await usersNamed(enterpriseId, `admin@${contoso.domain}`);
    await t.deps.db
      .update(portalUsers)
      .set({ passwordHash: await hashPassword(PASSWORD) })
      .where(eq(portalUsers.id, admin!.id));
    const enrol = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/enrol",
      headers: globalAdminHeaders,
    });
    const secret: string = enrol.json().secret;
    const confirm = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/confirm",
      headers: globalAdminHeaders,
      payload: { code: await generate({ secret }) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);

    const withPassword = await t.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      payload: { username: `admin@${contoso.domain}`, password: PASSWORD },
    });
    expect(withPassword.statusCode).toBe(401);
    expect(withPassword.json().type).toBe("urn:sip2teams:problem:two-factor-required");

    // Microsoft makes administrators do MFA (security defaults): amr has "mfa", no portal code asked.
    const { callback, landing } = await signInAs(demoGlobalAdmin(contoso));
    expect(landing).toBe("/");
    expect((await sessionOf(callback)).body.user.email).toBe(`admin@${contoso.domain}`);
  });

  it("a user whose Microsoft sign-in had no MFA gives the portal's code, once", async () => {
    // user1 (password only at Microsoft) enabled again, with two-factor enrolled in the portal.
    const [user1] = await usersNamed(enterpriseId, `user1@${contoso.domain}`);
    const enable = await t.app.inject({
      method: "PATCH",
      url: `/api/accounts/${enterpriseId}/users/${user1!.id}`,
      headers: globalAdminHeaders,
      payload: { status: "active" },
    });
    expect(enable.statusCode, enable.body).toBe(200);
    const first = await signInAs(demoUser1(contoso));
    const user1Headers = (await sessionOf(first.callback)).headers;
    const enrol = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/enrol",
      headers: user1Headers,
    });
    const secret: string = enrol.json().secret;
    const confirmed = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/confirm",
      headers: user1Headers,
      payload: { code: await generate({ secret }) },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);

    const { callback, landing } = await signInAs(demoUser1(contoso));
    expect(landing).toMatch(/^\/sign-in\/microsoft#flow=/);
    expect(callback.cookies.find((c) => c.name === "s2t_session")).toBeUndefined();
    const flow = decodeURIComponent(landing.split("#flow=")[1]!);
    const wrong = await t.app.inject({
      method: "POST",
      url: "/api/auth/microsoft/two-factor",
      payload: { flow, totpCode: "000000" },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0].field).toBe("totpCode");
    const [stored] = await usersNamed(enterpriseId, `user1@${contoso.domain}`);
    // The code of the next time step (the one that confirmed enrolment cannot be replayed).
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const ok = await t.app.inject({
      method: "POST",
      url: "/api/auth/microsoft/two-factor",
      payload: { flow, totpCode: next },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().user.id).toBe(stored!.id);
    sessionHeaders(ok);
    const again = await t.app.inject({
      method: "POST",
      url: "/api/auth/microsoft/two-factor",
      payload: { flow, totpCode: next },
    });
    expect(again.statusCode).toBe(401);
  });

  it("a partner enables sign-in for its own Entra tenant (Global Admin only); its invited users then sign in", async () => {
    const enable = () =>
      t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.partner.id}/microsoft-sign-in/enable`,
        headers: partnerAdmin.headers,
      });
    const viaEnterprise = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/microsoft-sign-in/enable`,
      headers: globalAdminHeaders,
    });
    expect(viaEnterprise.statusCode).toBe(409);

    const playEnable = async (who: { login: string; password: string }) => {
      const started = await enable();
      expect(started.statusCode, started.body).toBe(200);
      const bound = started.cookies.find((c) => c.name === "s2t_ms_sign_in")!;
      const callbackUrl = await microsoftSignIn(started.json().authorizeUrl, who);
      const callback = await t.app.inject({
        url: callbackUrl,
        headers: { cookie: `s2t_ms_sign_in=${bound.value}` },
      });
      return String(callback.headers.location);
    };
    expect(await playEnable(demoUser1(fabrikam))).toBe("/sign-in/microsoft?error=not_global_admin");
    expect(await playEnable(demoGlobalAdmin(contoso))).toBe("/sign-in/microsoft?error=tenant_in_use");
    expect(await playEnable(demoGlobalAdmin(fabrikam))).toBe("/sign-in/microsoft?enabled=1");
    const setting = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/microsoft-sign-in`,
      headers: partnerAdmin.headers,
    });
    expect(setting.json()).toEqual({ enabled: true, tenantId: fabrikam.id });

    const invited = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/users`,
      headers: partnerAdmin.headers,
      payload: { name: "Fabrikam User", email: `user1@${fabrikam.domain}`, role: "User" },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    expect(await lastMailTo(t.deps.db, `user1@${fabrikam.domain}`)).toBeTruthy();
    const { callback, landing } = await signInAs(demoUser1(fabrikam));
    expect(landing).toBe("/");
    expect((await sessionOf(callback)).body.account.id).toBe(tree.partner.id);

    // Only the account's own Admin turns it off (the operator above cannot, for the partner); then it is off.
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    const byOperator = await t.app.inject({
      method: "DELETE",
      url: `/api/accounts/${tree.partner.id}/microsoft-sign-in`,
      headers: operatorAdmin.headers,
    });
    expect(byOperator.statusCode).toBe(403);
    const off = await t.app.inject({
      method: "DELETE",
      url: `/api/accounts/${tree.partner.id}/microsoft-sign-in`,
      headers: partnerAdmin.headers,
    });
    expect(off.statusCode).toBe(204);
    expect((await signInAs(demoUser1(fabrikam))).landing).toBe("/sign-in/microsoft?error=wrong_tenant");
    const audited = await t.deps.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.accountId, tree.partner.id));
    expect(audited.map((a) => a.action)).toEqual(
      expect.arrayContaining(["microsoft-sign-in.enabled", "microsoft-sign-in.disabled"]),
    );
  });
});
