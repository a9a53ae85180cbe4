import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { portalUsers } from "../src/modules/identity/schema.js";
import { mailMessages } from "../src/modules/mail/schema.js";
import { accounts } from "../src/modules/tenancy/schema.js";
import {
  createAccount,
  createAccountTree,
  createSignedInUser,
  type SignedInUser,
} from "./support/factories.js";
import { inviteAndActivate, lastMailTo, readMail, sessionHeaders } from "./support/identity.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const PASSWORD = "correct horse battery staple";

describe("user management, partners, account switching and audit", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;
  const counts = async () => ({
    users: (await t.deps.db.select({ n: count() }).from(portalUsers))[0]!.n,
    mails: (await t.deps.db.select({ n: count() }).from(mailMessages))[0]!.n,
    audit: (await t.deps.db.select({ n: count() }).from(auditEvents))[0]!.n,
    accounts: (await t.deps.db.select({ n: count() }).from(accounts))[0]!.n,
  });
  const usersUrl = () => `/api/accounts/${tree.partner.id}/users`;

  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
    tree = await createAccountTree(t.deps.db);
    admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
  });
  afterAll(() => t?.stop());

  it("answers bad input with per-field messages and writes nothing", async () => {
    const before = await counts();
    const missing = await t.app.inject({
      method: "POST",
      url: usersUrl(),
      headers: admin.headers,
      payload: {},
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.headers["content-type"]).toContain("application/problem+json");
    expect(
      missing
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(["email", "name", "role"]);

    const badRole = await t.app.inject({
      method: "POST",
      url: usersUrl(),
      headers: admin.headers,
      payload: { name: "Bob", email: "bob@example.test", role: "Superuser" },
    });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().errors).toEqual([
      { field: "role", message: "Choose a role: Admin, User or Read-only." },
    ]);

    const badEmail = await t.app.inject({
      method: "POST",
      url: usersUrl(),
      headers: admin.headers,
      payload: { name: "Bob", email: "bob", role: "User" },
    });
    expect(badEmail.json().errors).toEqual([{ field: "email", message: "Enter a valid email address." }]);

    const inUse = await t.app.inject({
      method: "POST",
      url: usersUrl(),
      headers: admin.headers,
      payload: { name: "Copy", email: admin.email.toUpperCase(), role: "User" },
    });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().errors).toEqual([
      { field: "email", message: "This email address is already in use." },
    ]);

    const partnerMissing = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.operator.id}/partners`,
      headers: (await createSignedInUser(t.deps.db, tree.operator, "Admin")).headers,
      payload: { name: "", adminName: "X", adminEmail: admin.email },
    });
    expect(partnerMissing.statusCode).toBe(400);
    expect(partnerMissing.json().errors[0].field).toBe("name");
    const after = await counts();
    expect({ ...after, users: after.users - 1 }).toEqual(before); // only the operator Admin created above
  });

  it("lists, changes, disables, enables and deletes users, and keeps the last active Admin", async () => {
    const list = await t.app.inject({ url: usersUrl(), headers: admin.headers });
    expect(list.statusCode).toBe(200);
    const me = list.json().items.find((u: { email: string }) => u.email === admin.email);
    expect(me).toMatchObject({ role: "Admin", status: "active" });
    expect(JSON.stringify(list.json())).not.toMatch(/hash|secret/i);

    for (const patch of [{ role: "User" }, { status: "disabled" }]) {
      const response = await t.app.inject({
        method: "PATCH",
        url: `${usersUrl()}/${me.id}`,
        headers: admin.headers,
        payload: patch,
      });
      expect(response.statusCode, JSON.stringify(patch)).toBe(409);
      expect(response.json().errors[0].message).toBe("An account needs at least one active Admin.");
    }
    const deleteSelf = await t.app.inject({
      method: "DELETE",
      url: `${usersUrl()}/${me.id}`,
      headers: admin.headers,
    });
    expect(deleteSelf.statusCode).toBe(409);
    // An invited Admin does not count.
    await t.app.inject({
      method: "POST",
      url: usersUrl(),
      headers: admin.headers,
      payload: { name: "Pending", email: "pending-admin@example.test", role: "Admin" },
    });
    expect(
      (
        await t.app.inject({
          method: "PATCH",
          url: `${usersUrl()}/${me.id}`,
          headers: admin.headers,
          payload: { role: "User" },
        })
      ).statusCode,
    ).toBe(409);

    const second = await inviteAndActivate(t.app, t.deps.db, {
      accountId: tree.partner.id,
      adminHeaders: admin.headers,
      email: "second-admin@example.test",
      role: "Admin",
      password: PASSWORD,
    });
    const demote = await t.app.inject({
      method: "PATCH",
      url: `${usersUrl()}/${second.userId}`,
      headers: admin.headers,
      payload: { role: "User" },
    });
    expect(demote.statusCode).toBe(200);
    expect(demote.json().role).toBe("User");
    // A role change takes effect immediately: the colleague can no longer manage users.
    expect((await t.app.inject({ url: usersUrl(), headers: second.headers })).statusCode).toBe(403);

    const disable = await t.app.inject({
      method: "PATCH",
      url: `${usersUrl()}/${second.userId}`,
      headers: admin.headers,
      payload: { status: "disabled" },
    });
    expect(disable.json().status).toBe("disabled");
    expect((await t.app.inject({ url: "/api/session", headers: second.headers })).statusCode).toBe(401);
    expect(
      (
        await t.app.inject({
          method: "POST",
          url: "/api/auth/sign-in",
          payload: { username: "second-admin@example.test", password: PASSWORD },
        })
      ).statusCode,
    ).toBe(401);
    const enable = await t.app.inject({
      method: "PATCH",
      url: `${usersUrl()}/${second.userId}`,
      headers: admin.headers,
      payload: { status: "active" },
    });
    expect(enable.json().status).toBe("active");
    const remove = await t.app.inject({
      method: "DELETE",
      url: `${usersUrl()}/${second.userId}`,
      headers: admin.headers,
    });
    expect(remove.statusCode).toBe(204);

    const actions = (await t.deps.db.select().from(auditEvents)).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "user.invited",
        "user.activated",
        "user.role-changed",
        "user.disabled",
        "user.enabled",
        "user.deleted",
      ]),
    );
    const roleChange = (
      await t.deps.db.select().from(auditEvents).where(eq(auditEvents.action, "user.role-changed"))
    )[0]!;
    expect(roleChange.before).toMatchObject({ role: "Admin" });
    expect(roleChange.after).toMatchObject({ role: "User" });
    expect(roleChange.actorEmail).toBe(admin.email);
  });

  it("keeps one active Admin even when two Admins demote each other at the same moment", async () => {
    const account = await createAccount(t.deps.db, "partner", tree.operator, "Race Partner");
    const first = await createSignedInUser(t.deps.db, account, "Admin");
    const second = await createSignedInUser(t.deps.db, account, "Admin");
    const url = (userId: string) => `/api/accounts/${account.id}/users/${userId}`;
    const results = await Promise.all([
      t.app.inject({
        method: "PATCH",
        url: url(second.userId),
        headers: first.headers,
        payload: { role: "User" },
      }),
      t.app.inject({
        method: "PATCH",
        url: url(first.userId),
        headers: second.headers,
        payload: { role: "User" },
      }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const admins = await t.deps.db.select().from(portalUsers).where(eq(portalUsers.accountId, account.id));
    expect(admins.filter((u) => u.role === "Admin")).toHaveLength(1);
  });

  it("lets the operator create a partner whose first Admin gets the activation email, and partners create sub-partners", async () => {
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    const created = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.operator.id}/partners`,
      headers: operatorAdmin.headers,
      payload: { name: "Telco Partner", adminName: "Pat Partner", adminEmail: "pat@telco.example" },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      name: "Telco Partner",
      kind: "partner",
      admin: { role: "Admin", status: "invited" },
    });
    const mail = readMail(await lastMailTo(t.deps.db, "pat@telco.example"));
    const activated = await t.app.inject({
      method: "POST",
      url: "/api/auth/activate",
      payload: {
        token: mail.token,
        currentPassword: mail.temporaryPassword,
        newPassword: PASSWORD,
        confirmPassword: PASSWORD,
      },
    });
    expect(activated.json().account).toMatchObject({ name: "Telco Partner", kind: "partner" });
    const patHeaders = sessionHeaders(activated);
    const sub = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${created.json().id}/partners`,
      headers: patHeaders,
      payload: { name: "Sub Reseller", adminName: "Sam", adminEmail: "sam@sub.example" },
    });
    expect(sub.statusCode).toBe(201);
    const enterpriseAdmin = await createSignedInUser(t.deps.db, tree.enterprise, "Admin");
    const refused = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/partners`,
      headers: enterpriseAdmin.headers,
      payload: { name: "Nope", adminName: "N", adminEmail: "nope@example.test" },
    });
    expect(refused.statusCode).toBe(403);
    const list = await t.app.inject({
      url: `/api/accounts/${tree.operator.id}/partners`,
      headers: operatorAdmin.headers,
    });
    expect(list.json().items.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["Partner A", "Partner B", "Telco Partner"]),
    );
  });

  it("lists switchable accounts as a tree and by search, only within the caller's subtree", async () => {
    const operatorUser = await createSignedInUser(t.deps.db, tree.operator, "Read-only");
    for (let i = 0; i < 7; i++)
      await createAccount(t.deps.db, "enterprise", tree.partner, `Customer ${String(i).padStart(2, "0")}`);
    const top = await t.app.inject({
      url: `/api/accounts/${tree.operator.id}/switchable`,
      headers: operatorUser.headers,
    });
    expect(top.statusCode).toBe(200);
    const partnerA = top.json().items.find((i: { name: string }) => i.name === "Partner A");
    expect(partnerA).toMatchObject({ kind: "partner", childCount: 8, ancestors: [] });
    const level = await t.app.inject({
      url: `/api/accounts/${tree.operator.id}/switchable?parentId=${tree.partner.id}&limit=5`,
      headers: operatorUser.headers,
    });
    expect(level.json().items).toHaveLength(5);
    const page2 = await t.app.inject({
      url: `/api/accounts/${tree.operator.id}/switchable?parentId=${tree.partner.id}&limit=5&cursor=${level.json().nextCursor}`,
      headers: operatorUser.headers,
    });
    expect(page2.json().items).toHaveLength(3);
    expect(page2.json().nextCursor).toBeNull();
    const search = await t.app.inject({
      url: `/api/accounts/${tree.operator.id}/switchable?search=customer%2003`,
      headers: operatorUser.headers,
    });
    expect(search.json().items).toEqual([
      expect.objectContaining({
        name: "Customer 03",
        ancestors: [{ id: tree.partner.id, name: "Partner A" }],
      }),
    ]);

    const partnerUser = await createSignedInUser(t.deps.db, tree.partner, "Read-only");
    const fromPartner = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/switchable?search=Enterprise`,
      headers: partnerUser.headers,
    });
    expect(fromPartner.json().items.map((i: { name: string }) => i.name)).toEqual(["Enterprise A1"]);
    const outside = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/switchable?parentId=${tree.sibling.id}`,
      headers: partnerUser.headers,
    });
    expect(outside.statusCode).toBe(404);
  });

  it("shows the audit log of an account and its subtree with filters, and exports it as CSV", async () => {
    const page = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/audit?limit=3`,
      headers: admin.headers,
    });
    expect(page.statusCode).toBe(200);
    expect(page.json().items).toHaveLength(3);
    expect(page.json().nextCursor).toBeTruthy();
    const next = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/audit?limit=3&cursor=${page.json().nextCursor}`,
      headers: admin.headers,
    });
    expect(next.json().items[0].id).not.toBe(page.json().items[0].id);

    const filtered = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/audit?action=user.role-changed&actor=${encodeURIComponent(admin.email)}`,
      headers: admin.headers,
    });
    expect(filtered.json().items.length).toBeGreaterThan(0);
    for (const item of filtered.json().items) {
      expect(item.action).toBe("user.role-changed");
      expect(item.actorEmail).toBe(admin.email);
      expect(item.accountName).toBe("Partner A");
    }
    const future = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/audit?from=2999-01-01`,
      headers: admin.headers,
    });
    expect(future.json().items).toEqual([]);

    // The sibling partner sees none of Partner A's events.
    const siblingAdmin = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
    const sibling = await t.app.inject({
      url: `/api/accounts/${tree.sibling.id}/audit`,
      headers: siblingAdmin.headers,
    });
    expect(sibling.json().items.every((e: { accountName: string }) => e.accountName !== "Partner A")).toBe(
      true,
    );

    const csv = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/audit/export?action=user.`,
      headers: admin.headers,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.headers["content-disposition"]).toMatch(/attachment; filename="audit-/);
    const lines = csv.body.trim().split("\r\n");
    expect(lines[0]).toBe("time,actor,actor account,account,action,target type,target id,before,after,ip");
    expect(lines.some((l) => l.includes("user.role-changed"))).toBe(true);
    expect(csv.body).not.toMatch(/argon2|password_hash|passwordHash/);
  });
});
