import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APP, DEMO_PASSWORDS, type StartedEmulator } from "../src/index.js";
import {
  CONTOSO,
  claimsOf,
  FABRIKAM,
  FormBrowser,
  GRAPH_SCOPE,
  graph,
  signIn,
  startDemo,
  tokenResponse,
} from "./helpers.js";

let emu: StartedEmulator;
beforeAll(async () => {
  emu = await startDemo();
});
afterAll(() => emu?.close());

const adminConsentUrl = (tenant: string, state = "s1") =>
  `${emu.url}/${tenant}/v2.0/adminconsent?${new URLSearchParams({
    client_id: DEMO_APP.clientId,
    redirect_uri: "http://localhost:5173/api/microsoft/callback",
    scope: GRAPH_SCOPE,
    state,
  })}`;

describe("admin consent", () => {
  it("refuses client credentials before consent with AADSTS700016", async () => {
    const r = await tokenResponse(emu, FABRIKAM.id, {
      grant_type: "client_credentials",
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      scope: GRAPH_SCOPE,
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
    expect(r.body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  });

  it("refuses a non-admin with AADSTS90094 and redirects back with an error", async () => {
    const browser = new FormBrowser(emu.url);
    const page = await signIn(
      browser,
      adminConsentUrl(FABRIKAM.id),
      "user1@fabrikam.example",
      DEMO_PASSWORDS.user,
    );
    expect(page.html).toContain("Need admin approval");
    expect(page.html).toContain("AADSTS90094");
    const back = /id="return" href="([^"]+)"/.exec(page.html ?? "")?.[1] ?? "";
    const redirect = await browser.request(new URL(back.replace(/&amp;/g, "&"), emu.url).toString());
    expect(redirect.redirect?.searchParams.get("error")).toBe("access_denied");
    expect(redirect.redirect?.searchParams.get("error_description")).toMatch(/^AADSTS90094/);
    expect(redirect.redirect?.searchParams.get("state")).toBe("s1");
    expect(
      emu.state.servicePrincipalFor(emu.state.requireTenant(FABRIKAM.id), DEMO_APP.clientId),
    ).toBeUndefined();
  });

  it("cancel on the admin-consent page redirects with consent_required / AADSTS65004, as documented", async () => {
    const browser = new FormBrowser(emu.url);
    const page = await signIn(
      browser,
      adminConsentUrl(FABRIKAM.id, "s2"),
      "admin@fabrikam.example",
      DEMO_PASSWORDS.admin,
    );
    expect(page.html).toContain("Cataleya Private Limited");
    const r = await browser.submit(page.html ?? "", {}, "Cancel");
    expect(r.redirect?.searchParams.get("error")).toBe("consent_required");
    expect(r.redirect?.searchParams.get("error_description")).toMatch(/^AADSTS65004/);
    expect(r.redirect?.searchParams.get("admin_consent")).toBe("True");
    expect(r.redirect?.searchParams.get("state")).toBe("s2");
  });

  it("a Global Administrator grants consent: service principal, roles in tokens, documented redirect", async () => {
    const browser = new FormBrowser(emu.url);
    const page = await signIn(
      browser,
      adminConsentUrl("organizations", "s3"),
      "admin@fabrikam.example",
      DEMO_PASSWORDS.admin,
    );
    expect(page.html).toContain("Link2Teams");
    for (const p of ["User.ReadWrite.All", "Domain.ReadWrite.All", "TeamsTelephoneNumber.ReadWrite.All"]) {
      expect(page.html).toContain(p);
    }
    const r = await browser.submit(page.html ?? "", {}, "Accept");
    expect(r.redirect?.port).toBe("5173");
    expect(r.redirect?.searchParams.get("admin_consent")).toBe("True");
    expect(r.redirect?.searchParams.get("tenant")).toBe(FABRIKAM.id);
    expect(r.redirect?.searchParams.get("state")).toBe("s3");
    expect(r.redirect?.searchParams.get("scope")).toContain("https://graph.microsoft.com/User.ReadWrite.All");

    const tok = await tokenResponse(emu, FABRIKAM.id, {
      grant_type: "client_credentials",
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      scope: GRAPH_SCOPE,
    });
    expect(tok.status).toBe(200);
    const token = tok.body.access_token as string;
    expect(claimsOf(token).roles).toEqual(
      expect.arrayContaining(["User.ReadWrite.All", "RoleManagement.ReadWrite.Directory"]),
    );
    const sps = await graph(
      emu,
      token,
      "GET",
      `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${DEMO_APP.clientId}'`)}&$select=id`,
    );
    // Listing service principals needs Application.Read.All, which the demo app does not have (the product
    // reads its service principal from the token's oid instead).
    expect(sps.status).toBe(403);
    expect(claimsOf(token).oid).toEqual(expect.any(String));
    // The other tenant is unaffected.
    const other = await tokenResponse(emu, CONTOSO.id, {
      grant_type: "client_credentials",
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      scope: GRAPH_SCOPE,
    });
    expect(other.status).toBe(400);
  });

  it("rejects unregistered redirect URIs on the STS page (no redirect)", async () => {
    const res = await fetch(
      `${emu.url}/${CONTOSO.id}/v2.0/adminconsent?client_id=${DEMO_APP.clientId}&redirect_uri=${encodeURIComponent("https://evil.example/cb")}`,
      { redirect: "manual" },
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("AADSTS50011");
  });

  it("logs login traffic per tenant without secrets", () => {
    const log = emu.state.requests(FABRIKAM.id);
    const tokenCall = log.find((e) => e.path.endsWith("/oauth2/v2.0/token") && e.status === 200);
    expect(tokenCall?.body).toMatchObject({ client_secret: "***", grant_type: "client_credentials" });
    expect(log.some((e) => e.path.endsWith("/login") && e.method === "POST")).toBe(true);
  });
});
