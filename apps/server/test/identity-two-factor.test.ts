import { eq } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { DEMO_OPERATOR_EMAIL, ensureDemoOperator } from "../src/modules/identity/demo.js";
import { portalUsers } from "../src/modules/identity/schema.js";
import { identityService } from "../src/modules/identity/service.js";
import { createAccountTree, createSignedInUser } from "./support/factories.js";
import { inviteAndActivate, sessionHeaders } from "./support/identity.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const PASSWORD = "correct horse battery staple";

describe("two-factor authentication", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
    tree = await createAccountTree(t.deps.db);
  });
  afterAll(() => t?.stop());

  const signIn = (payload: Record<string, string>) =>
    t.app.inject({ method: "POST", url: "/api/auth/sign-in", payload });

  it("enrols with a QR code, then requires a code, accepts a recovery code once and refuses replayed codes", async () => {
    const admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const email = "totp-user@example.test";
    const { headers } = await inviteAndActivate(t.app, t.deps.db, {
      accountId: tree.partner.id,
      adminHeaders: admin.headers,
      email,
      role: "User",
      password: PASSWORD,
    });

    const enrol = await t.app.inject({ method: "POST", url: "/api/me/two-factor/enrol", headers });
    expect(enrol.statusCode).toBe(200);
    const { secret, otpauthUrl, qrCodeDataUrl } = enrol.json();
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    const [stored] = await t.deps.db.select().from(portalUsers).where(eq(portalUsers.email, email));
    expect(stored!.totpPendingSecret).not.toContain(secret);

    const wrong = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/confirm",
      headers,
      payload: { code: "000000" },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0].field).toBe("code");
    const confirm = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/confirm",
      headers,
      payload: { code: await generate({ secret }) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    const codes: string[] = confirm.json().recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    const needsCode = await signIn({ username: email, password: PASSWORD });
    expect(needsCode.statusCode).toBe(401);
    expect(needsCode.json().type).toBe("urn:sip2teams:problem:two-factor-required");
    expect(needsCode.cookies.find((c) => c.name === "s2t_session")).toBeUndefined();

    const withRecovery = await signIn({
      username: email,
      password: PASSWORD,
      recoveryCode: codes[0]!.toUpperCase(),
    });
    expect(withRecovery.statusCode, withRecovery.body).toBe(200);
    const reused = await signIn({ username: email, password: PASSWORD, recoveryCode: codes[0]! });
    expect(reused.statusCode).toBe(400);
    expect(reused.json().errors[0].field).toBe("recoveryCode");

    // The code used to confirm cannot be replayed; a code of the next time step works.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const withTotp = await signIn({ username: email, password: PASSWORD, totpCode: next });
    expect(withTotp.statusCode, withTotp.body).toBe(200);
    expect((await signIn({ username: email, password: PASSWORD, totpCode: next })).statusCode).toBe(400);

    const status = await t.app.inject({ url: "/api/me/two-factor", headers: sessionHeaders(withTotp) });
    expect(status.json()).toEqual({ enabled: true, required: false, recoveryCodesRemaining: 9 });
    const actions = (await t.deps.db.select().from(auditEvents)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["two-factor.enabled", "two-factor.recovery-code-used"]));

    const disable = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/disable",
      headers: sessionHeaders(withTotp),
      payload: { password: PASSWORD },
    });
    expect(disable.statusCode).toBe(204);
    expect((await signIn({ username: email, password: PASSWORD })).statusCode).toBe(200);
  });

  it("lets an Admin require two-factor authentication for every user of the account", async () => {
    const admin = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
    const user = await createSignedInUser(t.deps.db, tree.sibling, "User");
    const readOnly = await createSignedInUser(t.deps.db, tree.sibling, "Read-only");
    const refused = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.sibling.id}/security`,
      headers: readOnly.headers,
      payload: { requireTwoFactor: true },
    });
    expect(refused.statusCode).toBe(403);
    const set = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.sibling.id}/security`,
      headers: admin.headers,
      payload: { requireTwoFactor: true },
    });
    expect(set.json()).toEqual({ requireTwoFactor: true });

    const session = await t.app.inject({ url: "/api/session", headers: user.headers });
    expect(session.json().twoFactorSetupRequired).toBe(true);
    const blocked = await t.app.inject({
      url: `/api/accounts/${tree.sibling.id}/dashboard`,
      headers: user.headers,
    });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().detail).toMatch(/two-factor/);

    const { secret } = (
      await t.app.inject({ method: "POST", url: "/api/me/two-factor/enrol", headers: user.headers })
    ).json();
    await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/confirm",
      headers: user.headers,
      payload: { code: await generate({ secret }) },
    });
    expect(
      (await t.app.inject({ url: `/api/accounts/${tree.sibling.id}/dashboard`, headers: user.headers }))
        .statusCode,
    ).toBe(200);
    const cannotDisable = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/disable",
      headers: user.headers,
      payload: { password: "x" },
    });
    expect(cannotDisable.statusCode).toBe(409);
  });
});

describe("operator bootstrap and invitations over real SMTP", () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let received: string[] = [];
  beforeAll(async () => {
    smtp = await startSmtpSink();
    received = smtp.received;
    t = await startTestApp({ SMTP_URL: smtp.url }, { workers: false });
  });
  afterAll(async () => {
    await t?.stop();
    await smtp?.close();
  });

  it("creates the demo operator once, on an empty database only", async () => {
    const first = await ensureDemoOperator(t.deps);
    expect(first?.email).toBe(DEMO_OPERATOR_EMAIL);
    expect(first!.password.length).toBeGreaterThanOrEqual(12);
    expect(await ensureDemoOperator(t.deps)).toBeNull();
    const signIn = await t.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      payload: { username: first!.email, password: first!.password },
    });
    expect(signIn.statusCode).toBe(200);
    expect(signIn.json().account).toMatchObject({ name: "Demo Operator", kind: "operator" });
    await expect(
      identityService(t.deps).createOperator(
        { name: "Second", email: "second@example.test", adminName: "S" },
        { actor: null },
      ),
    ).rejects.toThrow(/already exists/);
  });

  it("sends the invitation through the SMTP server with the activation link and temporary password", async () => {
    const { app, deps } = t;
    const operator = await app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      payload: { username: DEMO_OPERATOR_EMAIL, password: "wrong" },
    });
    expect(operator.statusCode).toBe(401);
    const [op] = await deps.db.select().from(portalUsers).where(eq(portalUsers.email, DEMO_OPERATOR_EMAIL));
    await deps.db.transaction((tx) =>
      identityService(deps).inviteUser(
        tx,
        { accountId: op!.accountId, name: "Grace Hopper", email: "grace@example.test", role: "User" },
        { actor: null },
      ),
    );
    await expect.poll(() => received.length).toBeGreaterThan(0);
    const message = received.at(-1)!.replace(/=\r\n/g, "");
    expect(message).toContain("To: grace@example.test");
    expect(message).toContain("Activate Your Account");
    expect(message).toMatch(/temporary password is: \S{16}/);
    expect(message).toMatch(/\/activate#token=/);
  });
});
