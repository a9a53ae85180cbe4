import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailMessages } from "../src/modules/mail/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from("0000000d49484452", "hex"),
]);
const empty = {
  portalName: null,
  primaryColor: null,
  supportEmail: null,
  supportUrl: null,
  mailSenderName: null,
  mailSenderAddress: null,
  hosts: [],
};

describe("Branding per partner (issue 15, scope 4)", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let operatorAdmin: SignedInUser;
  let partnerAdmin: SignedInUser;
  let subAdmin: SignedInUser;
  let siblingAdmin: SignedInUser;
  let subPartner: Awaited<ReturnType<typeof createAccountTree>>["partner"];

  const put = (admin: SignedInUser, accountId: string, payload: object) =>
    t.app.inject({ method: "PUT", url: `/api/accounts/${accountId}/brand`, headers: admin.headers, payload });
  const get = (admin: SignedInUser, accountId: string) =>
    t.app.inject({ method: "GET", url: `/api/accounts/${accountId}/brand`, headers: admin.headers });

  beforeAll(async () => {
    t = await startTestApp();
    tree = await createAccountTree(t.deps.db);
    const { accountRepository } = await import("../src/modules/tenancy/repository.js");
    subPartner = await accountRepository(t.deps.db).create({
      kind: "partner",
      name: "Sub A",
      parent: tree.partner,
    });
    operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerAdmin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    subAdmin = await createSignedInUser(t.deps.db, subPartner, "Admin");
    siblingAdmin = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("inherits the nearest brand field by field and lets a sub-partner override", async () => {
    expect(
      (
        await put(operatorAdmin, tree.operator.id, {
          ...empty,
          portalName: "Op Voice",
          supportEmail: "help@op.example",
        })
      ).statusCode,
    ).toBe(200);
    const saved = await put(partnerAdmin, tree.partner.id, {
      ...empty,
      portalName: "Acme Connect",
      primaryColor: "#aa3300",
      logo: { contentType: "image/png", dataBase64: PNG.toString("base64") },
    });
    expect(saved.statusCode).toBe(200);
    expect((await put(subAdmin, subPartner.id, { ...empty, primaryColor: "#0055ff" })).statusCode).toBe(200);

    const sub = (await get(subAdmin, subPartner.id)).json();
    expect(sub.effective).toMatchObject({
      portalName: "Acme Connect",
      primaryColor: "#0055ff",
      supportEmail: "help@op.example",
    });
    expect(sub.own).toMatchObject({ portalName: null, primaryColor: "#0055ff" });
    expect(sub.effective.logoUrl).toMatch(
      new RegExp(`^/api/brand/logo/${tree.partner.id}\\?v=[0-9a-f]{16}$`),
    );
    const logo = await t.app.inject({ method: "GET", url: sub.effective.logoUrl });
    expect(logo.statusCode).toBe(200);
    expect(logo.headers["content-type"]).toBe("image/png");
    expect(logo.rawPayload.equals(PNG)).toBe(true);

    // Every user of a customer sees their partner's brand in the portal.
    const readOnly = await createSignedInUser(t.deps.db, tree.enterprise, "Read-only");
    const shown = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${tree.enterprise.id}/brand/effective`,
      headers: readOnly.headers,
    });
    expect(shown.json()).toMatchObject({
      portalName: "Acme Connect",
      primaryColor: "#aa3300",
    });
  });

  it("maps a custom host name to one account only and serves its brand publicly", async () => {
    expect(
      (
        await put(partnerAdmin, tree.partner.id, {
          ...empty,
          portalName: "Acme Connect",
          hosts: ["Portal.Acme.example"],
        })
      ).statusCode,
    ).toBe(200);
    const taken = await put(siblingAdmin, tree.sibling.id, { ...empty, hosts: ["portal.acme.example"] });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().errors).toEqual([
      { field: "hosts.0", message: "portal.acme.example is already in use." },
    ]);

    const byQuery = await t.app.inject({ method: "GET", url: "/api/brand?host=portal.acme.example" });
    expect(byQuery.json().portalName).toBe("Acme Connect");
    const byHeader = await t.app.inject({
      method: "GET",
      url: "/api/brand",
      headers: { host: "portal.acme.example:3000" },
    });
    expect(byHeader.json().portalName).toBe("Acme Connect");
    const unknown = await t.app.inject({ method: "GET", url: "/api/brand?host=nobody.example" });
    expect(unknown.json().portalName).toBe(t.deps.config.PORTAL_NAME);
  });

  it("refuses bad fields one message each, writing nothing", async () => {
    const before = (await get(partnerAdmin, tree.partner.id)).json().own;
    const response = await put(partnerAdmin, tree.partner.id, {
      ...empty,
      portalName: "Changed",
      primaryColor: "red",
      supportEmail: "not-an-email",
      supportUrl: "javascript:alert(1)",
      mailSenderAddress: "nope",
      hosts: ["bad host"],
    });
    expect(response.statusCode).toBe(400);
    const fields = response
      .json()
      .errors.map((e: { field: string }) => e.field)
      .sort();
    expect(fields).toEqual(["hosts.0", "mailSenderAddress", "primaryColor", "supportEmail", "supportUrl"]);

    const notPng = await put(partnerAdmin, tree.partner.id, {
      ...empty,
      logo: { contentType: "image/png", dataBase64: Buffer.from("<html>").toString("base64") },
    });
    expect(notPng.statusCode).toBe(400);
    expect(notPng.json().errors).toEqual([{ field: "logo", message: "The file is not a PNG or SVG image." }]);
    const tooBig = await put(partnerAdmin, tree.partner.id, {
      ...empty,
      logo: {
        contentType: "image/png",
        dataBase64: Buffer.concat([PNG, Buffer.alloc(201 * 1024)]).toString("base64"),
      },
    });
    expect(tooBig.statusCode).toBe(400);
    expect((await get(partnerAdmin, tree.partner.id)).json().own).toEqual(before);
  });

  it("keeps a sibling partner from reading or writing another's brand", async () => {
    expect((await get(siblingAdmin, tree.partner.id)).statusCode).toBe(404);
    expect((await put(siblingAdmin, tree.partner.id, { ...empty, portalName: "Hijack" })).statusCode).toBe(
      404,
    );
    const user = await createSignedInUser(t.deps.db, tree.partner, "User");
    expect((await put(user, tree.partner.id, { ...empty, portalName: "Hijack" })).statusCode).toBe(403);
    expect((await get(partnerAdmin, tree.partner.id)).json().own.portalName).toBe("Acme Connect");
  });
});

describe("Emails carry the brand of the recipient's account", () => {
  let t: TestApp;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(async () => {
    await smtp?.close();
  });

  async function brandPartnerAndInvite(app: TestApp) {
    const tree = await createAccountTree(app.deps.db);
    const partnerAdmin = await createSignedInUser(app.deps.db, tree.partner, "Admin");
    const saved = await app.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.partner.id}/brand`,
      headers: partnerAdmin.headers,
      payload: {
        ...empty,
        portalName: "Acme Connect",
        mailSenderName: "Acme Support",
        mailSenderAddress: "noreply@acme.example",
      },
    });
    expect(saved.statusCode).toBe(200);
    const enterpriseAdmin = await createSignedInUser(app.deps.db, tree.enterprise, "Admin");
    const email = `invitee-${Date.now()}@customer.example`;
    const invited = await app.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/users`,
      headers: enterpriseAdmin.headers,
      payload: { name: "Invitee", email, role: "User" },
    });
    expect(invited.statusCode).toBe(201);
    return email;
  }

  it("names the partner's portal in the activation email of a customer's user (dev outbox)", async () => {
    t = await startTestApp({}, { workers: false });
    try {
      const email = await brandPartnerAndInvite(t);
      const [mail] = await t.deps.db
        .select()
        .from(mailMessages)
        .where(eq(mailMessages.to, email))
        .orderBy(desc(mailMessages.createdAt));
      expect(mail!.subject).toBe("Activate your Acme Connect account");
      expect(mail!.text).toContain("the Acme Connect portal");
    } finally {
      await t.stop();
    }
  });

  it("sends it from the brand's sender name and address over SMTP", async () => {
    t = await startTestApp({ SMTP_URL: smtp.url }, { workers: false });
    try {
      const email = await brandPartnerAndInvite(t);
      const raw = smtp.received.find((m) => m.includes(email));
      expect(raw).toMatch(/^From: Acme Support <noreply@acme\.example>/m);
      expect(raw).toMatch(/^Subject: Activate your Acme Connect account/m);
    } finally {
      await t.stop();
    }
  });
});
