import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smtpMailer } from "../src/modules/mail/mailer.js";
import { composeMail } from "../src/modules/mail/templates.js";
import { operatorSettings } from "../src/modules/operator-settings/schema.js";
import { createAccountTree, createSignedInUser } from "./support/factories.js";
import { lastMailTo } from "./support/identity.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const mail = composeMail({
  to: "ada@example.test",
  subject: "Activate your account",
  portalName: "sip2teams",
  paragraphs: ["Welcome."],
  links: [{ label: "Activate Your Account", url: "http://localhost:3000/activate?token=abc" }],
});

describe("mail", () => {
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(() => smtp?.close());

  it("delivers through a real SMTP server", async () => {
    const mailer = smtpMailer(smtp.url, "sip2teams <no-reply@example.test>", pino({ level: "silent" }));
    await mailer.send(mail);
    const received = smtp.received;
    expect(received).toHaveLength(1);
    expect(received[0]).toContain("Subject: Activate your account");
    expect(received[0]).toContain("To: ada@example.test");
    expect(received[0]).toContain("Activate Your Account");
    expect(received[0]).toContain("localhost:3000/activate");
  });

  describe("dev outbox", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({}, { workers: false });
    });
    afterAll(() => t?.stop());

    it("stores messages, prints their links and shows them at /dev/mailbox", async () => {
      expect(t.deps.mailer.transport).toBe("outbox");
      await t.deps.mailer.send(mail);
      const logged = t.logs.find((line) => line.msg === "mail stored in dev outbox");
      expect(JSON.stringify(logged)).toContain("activate?token=abc");
      const page = await t.app.inject({ url: "/dev/mailbox" });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain("Activate your account");
      expect(page.body).toContain("Activate Your Account");
    });

    it("names the portal as the operator configured it, like the consent pages", async () => {
      const tree = await createAccountTree(t.deps.db);
      const admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
      await t.deps.db
        .insert(operatorSettings)
        .values({ portalDisplayName: "Orchid Collab Portal" })
        .onConflictDoUpdate({
          target: operatorSettings.id,
          set: { portalDisplayName: "Orchid Collab Portal" },
        });
      const invited = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.partner.id}/users`,
        headers: admin.headers,
        payload: { name: "Ada Lovelace", email: "ada-portal-name@example.test", role: "User" },
      });
      expect(invited.statusCode, invited.body).toBe(201);
      const sent = await lastMailTo(t.deps.db, "ada-portal-name@example.test");
      expect(sent!.subject).toBe("Activate your Orchid Collab Portal account");
      expect(sent!.text).toContain("in the Orchid Collab Portal for Partner A");
      expect(sent!.text).not.toContain("sip2teams");
    });

    it("declares UTF-8, so a middle dot shows as itself", async () => {
      const page = await t.app.inject({ url: "/dev/mailbox" });
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(page.body).toContain('<meta charset="utf-8">');
      expect(page.body).toContain(" · ");
    });
  });

  describe("with SMTP configured", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ SMTP_URL: smtp.url }, { workers: false });
    });
    afterAll(() => t?.stop());

    it("has no dev mailbox", async () => {
      expect(t.deps.mailer.transport).toBe("smtp");
      expect((await t.app.inject({ url: "/dev/mailbox" })).statusCode).toBe(404);
    });
  });
});
