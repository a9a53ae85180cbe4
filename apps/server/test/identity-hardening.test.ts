import { performance } from "node:perf_hooks";
import { count, eq, like } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portalUsers } from "../src/modules/identity/schema.js";
import { mailMessages } from "../src/modules/mail/schema.js";
import { sbcRegions } from "../src/modules/operator-settings/schema.js";
import { accounts } from "../src/modules/tenancy/schema.js";
import { type createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import {
  inviteAndActivate,
  lastMailTo,
  readMail,
  sessionHeaders,
  startWithPartnerAdmin,
} from "./support/identity.js";
import { mannWhitneyZ } from "./support/mann-whitney.js";
import type { TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

const PASSWORD = "correct horse battery staple";

/** Issue 17: identity hardening (TOTP replay race, lockout abuse, reset timing, email probing, Admin minting, weak passwords). */
describe("identity hardening", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;
  let n = 0;
  const email = (label: string) => `${label}-${n++}-${Date.now()}@example.test`;
  const post = (
    url: string,
    payload: unknown,
    headers: Record<string, string> = {},
    remoteAddress = "192.0.2.1",
  ) => t.app.inject({ method: "POST", url, payload: payload as object, headers, remoteAddress });
  const signIn = (payload: Record<string, string>, remoteAddress: string) =>
    post("/api/auth/sign-in", payload, {}, remoteAddress);
  const activeUser = (address: string) =>
    inviteAndActivate(t.app, t.deps.db, {
      accountId: tree.partner.id,
      adminHeaders: admin.headers,
      email: address,
      role: "User",
      password: PASSWORD,
    });
  /** An active user with two-factor authentication on; returns the TOTP secret. */
  const userWithTotp = async (address: string) => {
    const { headers } = await activeUser(address);
    const enrol = await post("/api/me/two-factor/enrol", undefined, headers);
    const { secret } = enrol.json();
    const confirm = await post("/api/me/two-factor/confirm", { code: await generate({ secret }) }, headers);
    expect(confirm.statusCode, confirm.body).toBe(200);
    return secret as string;
  };
  /** Add Enterprise below the partner, with `adminEmail` as the customer's first Admin. */
  const addEnterprise = async (headers: Record<string, string>, companyName: string, adminEmail: string) => {
    const [region] = await t.deps.db
      .insert(sbcRegions)
      .values({ name: `Region ${n++}-${Date.now()}`, sbcFqdns: ["sbc.example.net"], sipPort: 5061 })
      .returning();
    return post(
      `/api/accounts/${tree.partner.id}/enterprises`,
      {
        companyName,
        adminName: "Casey Admin",
        adminEmail,
        regionIds: [region!.id],
        services: ["teams-direct-routing"],
        userLimit: 10,
        billingReference: null,
      },
      headers,
    );
  };
  /** A code of the next time step: the confirmation used the current one. */
  const nextCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

  beforeAll(async () => {
    ({ t, tree, admin } = await startWithPartnerAdmin());
  });
  afterAll(() => t?.stop());

  it("item 5: accepts a TOTP code once even when four sign-ins race with it", async () => {
    const address = email("race");
    const secret = await userWithTotp(address);
    const code = await nextCode(secret);
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        signIn({ username: address, password: PASSWORD, totpCode: code }, `192.0.2.${10 + i}`),
      ),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(
      statuses.filter((s) => s === 200),
      statuses.join(","),
    ).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 400)).toBe(true);
  });

  it("item 7: wrong passwords lock a (username, client) pair, not the username", async () => {
    const victim = email("victim");
    await activeUser(victim);
    // Five wrong passwords from five clients do not lock the user out of a sixth client.
    for (let i = 0; i < 5; i++) {
      const response = await signIn({ username: victim, password: `wrong ${i}` }, `198.18.1.${i + 1}`);
      expect(response.statusCode).toBe(401);
    }
    const sixth = await signIn({ username: victim, password: PASSWORD }, "198.18.1.99");
    expect(sixth.statusCode, sixth.body).toBe(200);

    // The client that failed five times is locked out for that username, even with the right password…
    const other = email("pair");
    await activeUser(other);
    for (let i = 0; i < 5; i++) {
      expect((await signIn({ username: other, password: `nope ${i}` }, "198.18.2.1")).statusCode).toBe(401);
    }
    const sameClient = await signIn({ username: other, password: PASSWORD }, "198.18.2.1");
    expect(sameClient.statusCode).toBe(429);
    expect(sameClient.json().detail).toMatch(/Try again in \d+ minute/);
    // …while the user signs in from their own client.
    expect((await signIn({ username: other, password: PASSWORD }, "198.18.2.2")).statusCode).toBe(200);
  });

  it("item 7: many failures across clients slow a username down; password + valid second factor still get in", async () => {
    const address = email("slowed");
    const secret = await userWithTotp(address);
    for (let i = 0; i < 12; i++) {
      const response = await signIn({ username: address, password: `guess ${i}` }, `198.18.3.${i + 1}`);
      expect([401, 429]).toContain(response.statusCode);
    }
    // A password alone is not enough while the username is slowed down (and says nothing about the password).
    const passwordOnly = await signIn({ username: address, password: PASSWORD }, "198.18.3.100");
    const wrongPassword = await signIn({ username: address, password: "another guess" }, "198.18.3.101");
    expect(passwordOnly.statusCode).toBe(429);
    expect(wrongPassword.statusCode).toBe(429);
    expect(passwordOnly.json().type).toBe(wrongPassword.json().type);
    expect(passwordOnly.json().detail).toBe(wrongPassword.json().detail);
    // The right password with a valid code gets through.
    const withCode = await signIn(
      { username: address, password: PASSWORD, totpCode: await nextCode(secret) },
      "198.18.3.102",
    );
    expect(withCode.statusCode, withCode.body).toBe(200);
  });

  it("item 8: forgot-password answers the same, in the same time, for known and unknown users; the mail is queued", async () => {
    const known: string[] = [];
    for (let i = 0; i < 60; i++)
      known.push((await createSignedInUser(t.deps.db, tree.sibling, "User")).email);
    const unknown = known.map((address) => `nobody-${address}`);
    const request = (username: string, i: number) =>
      post(
        "/api/auth/forgot-password",
        { username },
        {},
        `10.${Math.floor(i / 250)}.${i % 250}.${n++ % 250}`,
      );
    // Warm up both paths.
    for (let i = 0; i < 5; i++) {
      await request(`warm-${i}@example.test`, 1000 + i);
    }
    const timeOf = async (username: string, i: number) => {
      const started = performance.now();
      const response = await request(username, i);
      const elapsed = performance.now() - started;
      expect(response.statusCode).toBe(202);
      return { elapsed, body: response.body };
    };
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    const bodies = new Set<string>();
    for (let i = 0; i < known.length; i++) {
      // Interleaved, alternating which goes first, so drift affects both samples alike.
      const pair =
        i % 2 === 0
          ? [await timeOf(known[i]!, 2 * i), await timeOf(unknown[i]!, 2 * i + 1)]
          : [await timeOf(unknown[i]!, 2 * i + 1), await timeOf(known[i]!, 2 * i)].reverse();
      knownTimes.push(pair[0]!.elapsed);
      unknownTimes.push(pair[1]!.elapsed);
      for (const p of pair) bodies.add(p.body);
    }
    expect([...bodies]).toEqual([JSON.stringify({ status: "sent-if-exists" })]);
    const z = mannWhitneyZ(knownTimes, unknownTimes);
    expect(Math.abs(z), `z = ${z.toFixed(2)}`).toBeLessThan(3);

    // The mail is sent by the job, to known users only.
    const mail = await waitFor(`reset mail to ${known[0]}`, async () =>
      lastMailTo(t.deps.db, known[0]!).catch(() => null),
    );
    expect(mail.subject).toBe("Reset password instructions");
    expect(readMail(mail).label).toBe("Set New Password");
    const [strays] = await t.deps.db
      .select({ n: count() })
      .from(mailMessages)
      .where(like(mailMessages.to, "nobody-%"));
    expect(strays!.n).toBe(0);
  }, 120_000);

  it("item 9: inviting an address used elsewhere answers like a new one; the activation explains the conflict", async () => {
    const elsewhere = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
    const fresh = email("fresh");
    const invite = (address: string) =>
      post(
        `/api/accounts/${tree.partner.id}/users`,
        { name: "Sam Same", email: address, role: "User" },
        admin.headers,
      );
    const newcomer = await invite(fresh);
    const existing = await invite(elsewhere.email);
    expect(existing.statusCode, existing.body).toBe(newcomer.statusCode);
    expect(Object.keys(existing.json()).sort()).toEqual(Object.keys(newcomer.json()).sort());
    expect(existing.json()).toMatchObject({ status: "invited", role: "User", twoFactorEnabled: false });

    // A partner created with that address as its Admin is created too.
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    const partner = await post(
      `/api/accounts/${tree.operator.id}/partners`,
      { name: "Reseller Twin", adminName: "Sam Same", adminEmail: elsewhere.email },
      operatorAdmin.headers,
    );
    expect(partner.statusCode, partner.body).toBe(201);
    // So is an enterprise.
    const enterprise = await addEnterprise(admin.headers, "Twin Customer", elsewhere.email);
    expect(enterprise.statusCode, enterprise.body).toBe(201);

    // The person at that address learns, once they prove they hold the mailbox, to sign in instead.
    const mail = readMail(await lastMailTo(t.deps.db, elsewhere.email));
    const activation = await post("/api/auth/activate", {
      token: mail.token,
      currentPassword: mail.temporaryPassword,
      newPassword: "a brand new passphrase",
      confirmPassword: "a brand new passphrase",
    });
    expect(activation.statusCode).toBe(409);
    expect(activation.json().errors).toEqual([
      {
        field: "token",
        message:
          "This email address already has an account in the portal. Sign in with it instead, or ask the person who invited you to use another address.",
      },
    ]);
    const [original] = await t.deps.db.select().from(portalUsers).where(eq(portalUsers.id, elsewhere.userId));
    expect(original!.status).toBe("active");

    // Within the Admin's own account, a duplicate is still named (the Admin sees that list anyway).
    const again = await invite(fresh);
    expect(again.statusCode).toBe(409);
  });

  it("item 10: only those who may invite Admins create an account with a first Admin", async () => {
    const user = await createSignedInUser(t.deps.db, tree.operator, "User");
    const adminEmail = email("minted");
    const refused = await post(
      `/api/accounts/${tree.operator.id}/partners`,
      { name: "Minted Partner", adminName: "Mallory", adminEmail },
      user.headers,
    );
    expect(refused.statusCode).toBe(403);
    expect(await t.deps.db.select().from(accounts).where(eq(accounts.name, "Minted Partner"))).toEqual([]);
    expect(await t.deps.db.select().from(portalUsers).where(eq(portalUsers.email, adminEmail))).toEqual([]);

    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    const allowed = await post(
      `/api/accounts/${tree.operator.id}/partners`,
      { name: "Proper Partner", adminName: "Pat", adminEmail },
      operatorAdmin.headers,
    );
    expect(allowed.statusCode, allowed.body).toBe(201);

    // The same for an enterprise, which comes with its customer's first Admin.
    const partnerUser = await createSignedInUser(t.deps.db, tree.partner, "User");
    const customerAdmin = email("customer-admin");
    expect((await addEnterprise(partnerUser.headers, "Minted Customer", customerAdmin)).statusCode).toBe(403);
    expect(await t.deps.db.select().from(portalUsers).where(eq(portalUsers.email, customerAdmin))).toEqual(
      [],
    );
    expect((await addEnterprise(admin.headers, "Proper Customer", customerAdmin)).statusCode).toBe(201);
  });

  it("item 15: refuses weak passwords with the estimator's feedback", async () => {
    const address = email("weak");
    const invited = await post(
      `/api/accounts/${tree.partner.id}/users`,
      { name: "Wes Weak", email: address, role: "User" },
      admin.headers,
    );
    expect(invited.statusCode).toBe(201);
    const mail = readMail(await lastMailTo(t.deps.db, address));
    const activate = (password: string) =>
      post("/api/auth/activate", {
        token: mail.token,
        currentPassword: mail.temporaryPassword,
        newPassword: password,
        confirmPassword: password,
      });
    const weak = await activate("passwordpassword");
    expect(weak.statusCode).toBe(400);
    expect(weak.json().errors).toEqual([
      {
        field: "newPassword",
        message: expect.stringMatching(/^Repeated character patterns like "abcabcabc" are easy to guess\./),
      },
    ]);
    const ok = await activate(PASSWORD);
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await t.app.inject({ url: "/api/session", headers: sessionHeaders(ok) })).statusCode).toBe(200);
  });
});
