import { sql } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountTree, createSignedInUser } from "../support/factories.js";
import { sessionHeaders } from "../support/identity.js";
import { enterpriseWithSyncedUsers } from "../support/provisioning.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { waitFor } from "../support/wait-for.js";
import { printFigures } from "./figures.js";

/**
 * Issue 16 item 4, third figure: secrets made through the API (portal passwords, sessions, activation and
 * reset tokens, TOTP secrets and recovery codes, SIP device passwords, the Microsoft client secret) are searched for in plaintext (and base64/hex) in a dump of every table of every schema,
 * and in every log line the server wrote at its production level. Both counts must be zero. Mail goes over
 * SMTP as in production (the dev outbox keeps and prints links on purpose, and never runs in production).
 */
const PASSWORD = "correct horse battery staple 42";

describe("security figures: secrets in plaintext", () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const secrets = new Map<string, string>();

  /** The link token and temporary password of the newest mail to `to` (quoted-printable decoded). */
  async function mailTo(to: string, count: number) {
    const messages = await waitFor(`mail ${count} to ${to}`, async () => {
      const found = smtp.received.filter((raw) => raw.includes(`To: ${to}`));
      return found.length >= count ? found : null;
    });
    const text = messages
      .at(-1)!
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return {
      token: /#token=([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? "",
      temporaryPassword: /temporary password is: (\S+)/.exec(text)?.[1] ?? "",
    };
  }

  beforeAll(async () => {
    smtp = await startSmtpSink();
    // Workers on: the password-reset mail is sent by a job.
    t = await startTestApp({ LOG_LEVEL: "info", SMTP_URL: smtp.url }, { workers: true });
    const tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    const partnerAdmin = await createSignedInUser(t.deps.db, tree.partner, "Admin");

    // A portal user: activation token, password, session, password-reset token.
    const email = `secret-owner-${Date.now()}@example.test`;
    const invited = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/users`,
      headers: partnerAdmin.headers,
      payload: { name: "Secret Owner", email, role: "User" },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    const invitation = await mailTo(email, 1);
    const activated = await t.app.inject({
      method: "POST",
      url: "/api/auth/activate",
      payload: {
        token: invitation.token,
        currentPassword: invitation.temporaryPassword,
        newPassword: PASSWORD,
        confirmPassword: PASSWORD,
      },
    });
    expect(activated.statusCode, activated.body).toBe(200);
    secrets.set("portal password", PASSWORD);
    secrets.set("activation token", invitation.token);
    secrets.set("temporary password", invitation.temporaryPassword);
    const signIn = await t.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      payload: { username: email, password: PASSWORD },
    });
    expect(signIn.statusCode, signIn.body).toBe(200);
    const headers = sessionHeaders(signIn);
    secrets.set("session cookie", headers.cookie!.replace("s2t_session=", ""));
    secrets.set("activation session cookie", sessionHeaders(activated).cookie!.replace("s2t_session=", ""));

    // TOTP: the secret shown at enrolment and the recovery codes shown at confirmation.
    const enrol = await t.app.inject({ method: "POST", url: "/api/me/two-factor/enrol", headers });
    expect(enrol.statusCode, enrol.body).toBe(200);
    const totpSecret: string = enrol.json().secret;
    secrets.set("TOTP secret", totpSecret);
    const confirm = await t.app.inject({
      method: "POST",
      url: "/api/me/two-factor/confirm",
      headers,
      payload: { code: await generate({ secret: totpSecret }) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    (confirm.json().recoveryCodes as string[]).forEach((code, i) => {
      secrets.set(`recovery code ${i + 1}`, code);
    });

    const forgot = await t.app.inject({
      method: "POST",
      url: "/api/auth/forgot-password",
      payload: { username: email },
    });
    expect(forgot.statusCode).toBe(202);
    secrets.set("password-reset token", (await mailTo(email, 2)).token);

    // The operator's Microsoft app client secret.
    const clientSecret = `cs~${Math.random().toString(36).slice(2)}Secret${Date.now()}`;
    const settings = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.operator.id}/operator-settings`,
      headers: operatorAdmin.headers,
      payload: {
        sbcBaseDomain: "customers.sbc.example.net",
        portalDisplayName: "Orchid Collab Portal",
        publisher: "Orchid Collab",
        appClientId: "11111111-2222-4333-8444-555555555555",
        appClientSecret: clientSecret,
        loginUrl: null,
        graphUrl: null,
        teamsAdminUrl: null,
        teamsPhoneSkuId: null,
        dnsAdapter: "manual",
      },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    secrets.set("Microsoft client secret", clientSecret);

    // SIP device passwords, set on a Teams user.
    const seeded = await enterpriseWithSyncedUsers(t.deps.db, tree.enterprise, 2);
    for (const [i, user] of seeded.users.slice(0, 2).entries()) {
      const password = `Sip${i}Pw${Date.now().toString(36)}X9`;
      const created = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.enterprise.id}/teams-users`,
        headers: partnerAdmin.headers,
        payload: {
          teamsUserObjectId: user.objectId,
          pbxLocation: "PBX",
          regionId: seeded.region.id,
          sipUser: `10${i}`,
          phoneNumber: `+1425555100${i}`,
          disableVoicemail: true,
          assignDialPlan: true,
          devices: [{ authId: `dev${i}`, password }],
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      secrets.set(`SIP device password ${i + 1}`, password);
    }
  });
  afterAll(async () => {
    await t?.stop();
    await smtp?.close();
  });

  /** Every row of every table of every schema, as text: what a dump or a stolen backup shows. */
  async function dumpDatabase(): Promise<{ tables: number; text: string }> {
    const tables = await t.deps.db.execute<{ name: string }>(
      sql`select quote_ident(table_schema) || '.' || quote_ident(table_name) as name
          from information_schema.tables
          where table_type = 'BASE TABLE'
            and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    const parts: string[] = [];
    for (const { name } of tables.rows) {
      const rows = await t.deps.db.execute(sql.raw(`select t::text as row from ${name} t`));
      parts.push(`${name}\n${rows.rows.map((r) => String(r.row)).join("\n")}`);
    }
    return { tables: tables.rows.length, text: parts.join("\n") };
  }

  /** The secret, and the encodings it could hide in. */
  const forms = (secret: string) => [
    secret,
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64url"),
    Buffer.from(secret).toString("hex"),
  ];
  const foundIn = (haystack: string) =>
    [...secrets]
      .filter(([, secret]) => forms(secret).some((form) => haystack.includes(form)))
      .map(([name]) => name);

  it("finds no secret in plaintext in a dump of the database or in the logs", async () => {
    expect(secrets.size).toBeGreaterThanOrEqual(20);
    for (const [name, secret] of secrets) expect(secret.length, name).toBeGreaterThanOrEqual(8);

    const dump = await dumpDatabase();
    const logs = t.logs.map((line) => JSON.stringify(line)).join("\n");
    const inDump = foundIn(dump.text);
    const inLogs = foundIn(logs);

    printFigures("secrets in plaintext", {
      "secrets made": `${secrets.size} (${[...new Set([...secrets.keys()].map((k) => k.replace(/ \d+$/, "")))].join(", ")})`,
      "tables dumped": dump.tables,
      "log lines": t.logs.length,
      "found in the database dump": inDump.length,
      "found in the logs": inLogs.length,
    });
    expect(dump.text.length).toBeGreaterThan(1000);
    expect(t.logs.length).toBeGreaterThan(10);
    expect({ inDump, inLogs }).toEqual({ inDump: [], inLogs: [] });
  });
});
