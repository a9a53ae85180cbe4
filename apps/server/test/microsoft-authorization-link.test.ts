import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { and, desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { mailMessages } from "../src/modules/mail/schema.js";
import {
  microsoftAuthorizationRequests,
  microsoftConnections,
  microsoftConsentFlows,
} from "../src/modules/microsoft/schema.js";
import { accounts } from "../src/modules/tenancy/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import {
  configureOperator,
  demoGlobalAdmin,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  startEmulator,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const { contoso, fabrikam } = DEMO_TENANTS;

/**
 * Whoever holds an authorize URL can edit it: the strongest attacker asks Microsoft for consent on
 * /organizations instead of the tenant the portal named, so only the portal's own checks stand in the way.
 */
const untargeted = (authorizeUrl: string) => {
  const url = new URL(authorizeUrl);
  url.pathname = url.pathname.replace(/^\/[^/]+\//, "/organizations/");
  url.searchParams.delete("domain_hint");
  return url.toString();
};

describe("the emailed authorization link and tenant binding of Connect to Microsoft Teams (issue 17.1)", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partnerAdmin: SignedInUser;
  let regions: string[];
  /** Enterprise EB, connected to contoso by its own Global Admin. */
  let eb: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp(emulatorEnv(emulator), { workers: false });
    tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerAdmin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    regions = await configureOperator(t, tree.operator, operatorAdmin);
    eb = await onboardEnterprise(t, tree.partner, partnerAdmin, regions, "eb");
    const landing = await playConsent(t, emulator, await connect(eb), demoGlobalAdmin(contoso));
    expect(await result(landing)).toMatchObject({ outcome: "connected", tenantDomain: contoso.domain });
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  async function connect(enterpriseId: string, user = partnerAdmin) {
    const response = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/microsoft/connect`,
      headers: user.headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json().authorizeUrl as string;
  }
  const flowIdOf = (landing: string) => landing.split("/").pop()!;
  async function result(landing: string) {
    expect(landing).toMatch(/^\/microsoft\/result\//);
    return (await t.app.inject({ url: `/api/microsoft/consent-flows/${flowIdOf(landing)}` })).json();
  }
  async function tenantOf(enterpriseId: string) {
    const [row] = await t.deps.db
      .select()
      .from(microsoftConnections)
      .where(eq(microsoftConnections.enterpriseAccountId, enterpriseId));
    return row ? { tenantId: row.tenantId, status: row.status } : undefined;
  }
  /** Sends an authorization request for the enterprise; returns the emailed link and its mail. */
  async function requestLink(enterpriseId: string, email: string) {
    const sent = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/microsoft/authorization-requests`,
      headers: partnerAdmin.headers,
      payload: { email, name: "Pat" },
    });
    expect(sent.statusCode).toBe(204);
    const [mail] = await t.deps.db
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.to, email))
      .orderBy(desc(mailMessages.createdAt))
      .limit(1);
    const link = mail!.links.find((l) => l.label === "Connect to Microsoft Teams")!.url;
    return { link, mail: mail!, token: new URLSearchParams(new URL(link).hash.slice(1)).get("token") ?? "" };
  }
  const useLink = (token: string) =>
    t.app.inject({
      method: "POST",
      url: "/api/microsoft/authorization-requests/connect",
      payload: { token },
    });

  it("the link carries its token in the fragment, lives 24 hours, works once, and the token is never logged", async () => {
    const { link, mail, token } = await requestLink(eb, "once@customer.example");
    expect(link).toMatch(/^http:\/\/localhost:3000\/microsoft\/authorize#token=[A-Za-z0-9_-]{40,}$/);
    expect(mail.text).toContain("The link expires in 24 hours and works once.");
    const [stored] = await t.deps.db
      .select()
      .from(microsoftAuthorizationRequests)
      .where(eq(microsoftAuthorizationRequests.email, "once@customer.example"));
    expect(stored!.expiresAt.getTime() - stored!.createdAt.getTime()).toBeLessThanOrEqual(
      24 * 3600_000 + 1000,
    );

    const first = await useLink(token);
    expect(first.statusCode).toBe(200);
    expect(new URL(first.json().authorizeUrl).pathname).toBe(`/${contoso.id}/v2.0/adminconsent`);
    const second = await useLink(token);
    expect(second.statusCode).toBe(404);
    expect(second.json().detail).toContain("expired or was already used");

    // The dev outbox prints the links it stores on purpose (development only); nothing else may show it.
    const logged = JSON.stringify(t.logs.filter((line) => line.msg !== "mail stored in dev outbox"));
    expect(logged).toContain('"method":"POST","url":"/api/microsoft/authorization-requests/');
    expect(logged).not.toContain(token);
  });

  it("a newer request replaces the older link, an expired link is refused, racing uses of one link start one flow", async () => {
    const older = await requestLink(eb, "twice@customer.example");
    const newer = await requestLink(eb, "twice@customer.example");
    expect((await useLink(older.token)).statusCode).toBe(404);
    const expiring = await requestLink(eb, "late@customer.example");
    expect((await useLink(newer.token)).statusCode).toBe(404);
    await t.deps.db
      .update(microsoftAuthorizationRequests)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(microsoftAuthorizationRequests.email, "late@customer.example"));
    expect((await useLink(expiring.token)).statusCode).toBe(404);
    // Two tabs racing with one link: exactly one starts a consent flow.
    const raced = await requestLink(eb, "race@customer.example");
    const answers = await Promise.all([useLink(raced.token), useLink(raced.token), useLink(raced.token)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 404, 404]);
    const malformed = await t.app.inject({
      method: "POST",
      url: "/api/microsoft/authorization-requests/connect",
      payload: {},
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors[0].field).toBe("token");
  });

  it("a Global Admin of another tenant cannot re-point a connected enterprise through the link; Try again stays bound", async () => {
    const { token } = await requestLink(eb, "victim@customer.example");
    const started = await useLink(token);
    expect(started.statusCode).toBe(200);
    const authorizeUrl = new URL(started.json().authorizeUrl);
    expect(authorizeUrl.searchParams.get("domain_hint")).toBe(contoso.domain);

    const landing = await playConsent(
      t,
      emulator,
      untargeted(authorizeUrl.toString()),
      demoGlobalAdmin(fabrikam),
    );
    const body = await result(landing);
    expect(body).toMatchObject({ outcome: "failed", errorCode: "wrong_tenant" });
    expect(body.message).toContain("not the one this enterprise is connected to");
    expect(await tenantOf(eb)).toEqual({ tenantId: contoso.id, status: "connected" });

    // The link is spent; the failed attempt's own Try again still works, and is bound to contoso too.
    expect((await useLink(token)).statusCode).toBe(404);
    const retry = await t.app.inject({
      method: "POST",
      url: `/api/microsoft/consent-flows/${flowIdOf(landing)}/retry`,
    });
    expect(retry.statusCode).toBe(200);
    expect(new URL(retry.json().authorizeUrl).pathname).toBe(`/${contoso.id}/v2.0/adminconsent`);
    const again = await result(
      await playConsent(t, emulator, untargeted(retry.json().authorizeUrl), demoGlobalAdmin(fabrikam)),
    );
    expect(again).toMatchObject({ outcome: "failed", errorCode: "wrong_tenant" });
    expect(await tenantOf(eb)).toEqual({ tenantId: contoso.id, status: "connected" });
  });

  it("the in-portal Connect (Reconnect) is bound to the connected tenant too", async () => {
    const authorizeUrl = await connect(eb);
    expect(new URL(authorizeUrl).pathname).toBe(`/${contoso.id}/v2.0/adminconsent`);
    const body = await result(
      await playConsent(t, emulator, untargeted(authorizeUrl), demoGlobalAdmin(fabrikam)),
    );
    expect(body).toMatchObject({ outcome: "failed", errorCode: "wrong_tenant" });
    expect(await tenantOf(eb)).toEqual({ tenantId: contoso.id, status: "connected" });

    // Reconnecting the enterprise's own tenant still works.
    const own = await result(await playConsent(t, emulator, await connect(eb), demoGlobalAdmin(contoso)));
    expect(own).toMatchObject({ outcome: "connected", tenantDomain: contoso.domain });
  });

  it("an attempt started before the enterprise got connected cannot replace that connection", async () => {
    const ec = await onboardEnterprise(t, tree.partner, partnerAdmin, regions, "ec");
    const { token } = await requestLink(ec, "early@customer.example");
    const started = await useLink(token);
    expect(new URL(started.json().authorizeUrl).pathname).toBe("/organizations/v2.0/adminconsent");
    // Meanwhile the enterprise is connected to its own tenant (another attempt that completed first).
    const ownTenant = "0b7c3e1a-5d2f-4c8e-9a6b-1f2e3d4c5b6a";
    await t.deps.db.insert(microsoftConnections).values({
      enterpriseAccountId: ec,
      tenantId: ownTenant,
      tenantDomain: "ec.example",
      adminUpn: "admin@ec.example",
      adminObjectId: "x",
      status: "connected",
    });
    const body = await result(
      await playConsent(t, emulator, started.json().authorizeUrl, demoGlobalAdmin(fabrikam)),
    );
    expect(body).toMatchObject({ outcome: "failed", errorCode: "wrong_tenant" });
    expect(await tenantOf(ec)).toEqual({ tenantId: ownTenant, status: "connected" });
  });

  it("only a signed-in Admin replaces the tenant, explicitly: audited when asked and when done, the enterprise's Admins are emailed", async () => {
    const [ebAccount] = await t.deps.db.select().from(accounts).where(eq(accounts.id, eb));
    const enterpriseAdmin = await createSignedInUser(t.deps.db, ebAccount!, "Admin");
    const enterpriseUser = await createSignedInUser(t.deps.db, ebAccount!, "User");
    const partnerUser = await createSignedInUser(t.deps.db, tree.partner, "User");
    const replaceAs = (user: SignedInUser) =>
      t.app.inject({
        method: "POST",
        url: `/api/accounts/${eb}/microsoft/replace-tenant`,
        headers: user.headers,
      });
    expect((await replaceAs(partnerUser)).statusCode).toBe(403);
    expect((await replaceAs(enterpriseUser)).statusCode).toBe(403);

    const asked = await replaceAs(partnerAdmin);
    expect(asked.statusCode).toBe(200);
    const authorizeUrl = new URL(asked.json().authorizeUrl);
    expect(authorizeUrl.pathname).toBe("/organizations/v2.0/adminconsent");
    const flowId = authorizeUrl.searchParams.get("state")!;
    const audited = async (action: string) =>
      t.deps.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.accountId, eb), eq(auditEvents.action, action)));
    expect(await audited("microsoft.replace-requested")).toMatchObject([
      { actorUserId: partnerAdmin.userId, targetId: contoso.id },
    ]);

    // A replacing attempt's Try again belongs to the Admin who asked for it, not to whoever holds its id.
    const anonymousRetry = await t.app.inject({
      method: "POST",
      url: `/api/microsoft/consent-flows/${flowId}/retry`,
    });
    expect(anonymousRetry.statusCode).toBe(403);

    const body = await result(
      await playConsent(t, emulator, authorizeUrl.toString(), demoGlobalAdmin(fabrikam)),
    );
    expect(body).toMatchObject({ outcome: "connected", tenantDomain: fabrikam.domain });
    expect(await tenantOf(eb)).toEqual({ tenantId: fabrikam.id, status: "connected" });
    const [done] = await audited("microsoft.replace");
    expect(done).toMatchObject({ actorUserId: partnerAdmin.userId, targetId: fabrikam.id });
    expect(done!.before).toMatchObject({ tenantId: contoso.id });

    const mailTo = (email: string) => t.deps.db.select().from(mailMessages).where(eq(mailMessages.to, email));
    const [notice] = await mailTo(enterpriseAdmin.email);
    expect(notice!.subject).toContain("Microsoft 365 tenant was replaced");
    expect(notice!.text).toContain(contoso.domain);
    expect(notice!.text).toContain(fabrikam.domain);
    expect(notice!.text).toContain(partnerAdmin.email);
    expect(await mailTo(enterpriseUser.email)).toEqual([]);

    // The flow row remembers that it was allowed to replace; nothing else may.
    const [flow] = await t.deps.db
      .select()
      .from(microsoftConsentFlows)
      .where(eq(microsoftConsentFlows.id, flowId));
    expect(flow!.replacesTenant).toBe(true);
  });
});
