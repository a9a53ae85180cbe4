import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryLater } from "../src/jobs/define-job.js";
import { runDirectRoutingSetup } from "../src/modules/direct-routing-setup/service.js";
import { mailMessages } from "../src/modules/mail/schema.js";
import { microsoftConnections, microsoftConsentFlows } from "../src/modules/microsoft/schema.js";
import type { createAccountTree, SignedInUser } from "./support/factories.js";
import {
  configuredOperatorAndPartner,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  setFaults,
  startEmulator,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const { contoso, fabrikam } = DEMO_TENANTS;
const admin = (tenant: { domain: string }) => ({
  login: `admin@${tenant.domain}`,
  password: DEMO_PASSWORDS.admin,
});

describe("Connect to Microsoft Teams: failures, retries, email link, disconnect", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partnerUser: SignedInUser;
  let regions: string[];

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp(emulatorEnv(emulator), { workers: false });
    ({ tree, partnerUser, regions } = await configuredOperatorAndPartner(t));
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  async function connect(enterpriseId: string) {
    const response = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/microsoft/connect`,
      headers: partnerUser.headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json().authorizeUrl as string;
  }
  async function result(landing: string) {
    expect(landing).toMatch(/^\/microsoft\/result\//);
    return (await t.app.inject({ url: `/api/microsoft/consent-flows/${landing.split("/").pop()}` })).json();
  }
  const connectionOf = async (enterpriseId: string) =>
    (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/microsoft/connection`,
        headers: partnerUser.headers,
      })
    ).json();

  it("asks Microsoft for admin consent, then an OpenID sign-in with state, nonce and PKCE", async () => {
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "flowshape");
    const url = new URL(await connect(id));
    expect(url.pathname).toBe("/organizations/v2.0/adminconsent");
    expect(url.searchParams.get("redirect_uri")).toBe("http://localhost:3000/api/microsoft/callback");
    const state = url.searchParams.get("state")!;
    // A forged redirect naming a tenant connects nothing: it only leads to the signed sign-in.
    const forged = await t.app.inject({
      url: `/api/microsoft/callback?admin_consent=True&tenant=${fabrikam.id}&state=${state}`,
    });
    expect(forged.statusCode).toBe(302);
    const signIn = new URL(String(forged.headers.location));
    expect(signIn.pathname).toBe(`/${fabrikam.id}/oauth2/v2.0/authorize`);
    expect(signIn.searchParams.get("code_challenge_method")).toBe("S256");
    expect(signIn.searchParams.get("nonce")).toBeTruthy();
    expect(signIn.searchParams.get("scope")).toBe("openid profile");
    expect((await connectionOf(id)).status).toBe("not-connected");
  });

  it("consent cancelled: explains it and offers a retry that succeeds", async () => {
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "cancelled");
    const landing = await playConsent(t, emulator, await connect(id), {
      ...admin(contoso),
      decision: "cancel",
    });
    const body = await result(landing);
    expect(body).toMatchObject({ outcome: "failed", errorCode: "consent_cancelled" });
    expect(body.message).toContain("click Accept");
    expect((await connectionOf(id)).status).toBe("not-connected");

    const retry = await t.app.inject({
      method: "POST",
      url: `/api/microsoft/consent-flows/${landing.split("/").pop()}/retry`,
    });
    expect(retry.statusCode).toBe(200);
    const again = await result(await playConsent(t, emulator, retry.json().authorizeUrl, admin(contoso)));
    expect(again).toMatchObject({
      outcome: "connected",
      tenantDomain: contoso.domain,
      adminUpn: `admin@${contoso.domain}`,
    });
    expect(await connectionOf(id)).toMatchObject({ status: "connected", tenantId: contoso.id });
  });

  it("signer not a Global Admin: says so", async () => {
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "notadmin");
    const landing = await playConsent(t, emulator, await connect(id), {
      login: `user1@${fabrikam.domain}`,
      password: DEMO_PASSWORDS.user,
    });
    const body = await result(landing);
    expect(body).toMatchObject({ outcome: "failed", errorCode: "not_global_admin" });
    expect(body.message).toContain("not a Global Admin");
  });

  it("tenant already linked to another enterprise: refused, the first link kept", async () => {
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "secondcontoso");
    const body = await result(await playConsent(t, emulator, await connect(id), admin(contoso)));
    expect(body).toMatchObject({ outcome: "failed", errorCode: "tenant_linked_elsewhere" });
    expect(body.message).toContain("already connected to another enterprise");
    const links = await t.deps.db
      .select()
      .from(microsoftConnections)
      .where(eq(microsoftConnections.tenantId, contoso.id));
    expect(links).toHaveLength(1);
  });

  it("state expired or unknown: says so", async () => {
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "expired");
    const url = new URL(await connect(id));
    const state = url.searchParams.get("state")!;
    await t.deps.db
      .update(microsoftConsentFlows)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(microsoftConsentFlows.id, state));
    const late = await t.app.inject({
      url: `/api/microsoft/callback?admin_consent=True&tenant=${fabrikam.id}&state=${state}`,
    });
    expect(late.headers.location).toBe(`/microsoft/result/${state}`);
    expect(await result(String(late.headers.location))).toMatchObject({
      outcome: "failed",
      errorCode: "state_expired",
    });
    const unknown = await t.app.inject({ url: "/api/microsoft/callback?admin_consent=True&state=nope" });
    expect(unknown.headers.location).toBe("/microsoft/result/unknown?error=state_expired");
  });

  it("emails the customer an authorization link that starts the flow without a portal session", async () => {
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "emailed");
    const sent = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/microsoft/authorization-requests`,
      headers: partnerUser.headers,
      payload: { email: "it@customer.example", name: "Pat" },
    });
    expect(sent.statusCode).toBe(204);
    const [mail] = await t.deps.db
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.to, "it@customer.example"));
    const link = mail!.links.find((l) => l.label === "Connect to Microsoft Teams")!.url;
    const token = new URLSearchParams(new URL(link).hash.slice(1)).get("token")!;
    const start = await t.app.inject({
      method: "POST",
      url: "/api/microsoft/authorization-requests/connect",
      payload: { token },
    });
    expect(start.statusCode).toBe(200);
    const body = await result(await playConsent(t, emulator, start.json().authorizeUrl, admin(fabrikam)));
    expect(body).toMatchObject({
      outcome: "connected",
      tenantDomain: fabrikam.domain,
      enterpriseAccountId: id,
    });
    const bad = await t.app.inject({
      method: "POST",
      url: "/api/microsoft/authorization-requests/connect",
      payload: { token: "not-a-token" },
    });
    expect(bad.statusCode).toBe(404);
  });

  it("disconnects and reconnects", async () => {
    const [link] = await t.deps.db
      .select()
      .from(microsoftConnections)
      .where(eq(microsoftConnections.tenantId, fabrikam.id));
    const id = link!.enterpriseAccountId;
    const off = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/microsoft/disconnect`,
      headers: partnerUser.headers,
    });
    expect(off.statusCode).toBe(204);
    expect((await connectionOf(id)).status).toBe("disconnected");
    const body = await result(await playConsent(t, emulator, await connect(id), admin(fabrikam)));
    expect(body.outcome).toBe("connected");
    expect((await connectionOf(id)).status).toBe("connected");
  });

  it("a long Retry-After is not waited inline: the job is rescheduled, and the next run resumes", async () => {
    const [link] = await t.deps.db
      .select()
      .from(microsoftConnections)
      .where(eq(microsoftConnections.tenantId, fabrikam.id));
    const id = link!.enterpriseAccountId;
    await setFaults(emulator, {
      rules: [
        {
          pathPattern: "/graph/v1.0/domains",
          method: "POST",
          tenantId: fabrikam.id,
          status: 429,
          retryAfter: 120,
          count: 1,
        },
      ],
    });
    const error = await runDirectRoutingSetup(t.deps, id, { maxInlineWaitSeconds: 5 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLater);
    expect((error as RetryLater).seconds).toBe(120);
    const view = (
      await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partnerUser.headers })
    ).json();
    const domain = view.steps.find((s: { key: string }) => s.key === "domain");
    expect(domain).toMatchObject({
      status: "pending",
      lastError: "Microsoft is throttling requests; retrying in 120 s.",
    });
    expect(view.steps.find((s: { key: string }) => s.key === "role").status).toBe("done");
    await expect(runDirectRoutingSetup(t.deps, id)).resolves.toBe("completed");
  });
});
