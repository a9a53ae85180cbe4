import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APP, DEMO_PASSWORDS, type StartedEmulator } from "../src/index.js";
import {
  CONTOSO,
  claimsOf,
  FormBrowser,
  REDIRECT_URI,
  signIn,
  signInAndConsent,
  startDemo,
  tokenResponse,
} from "./helpers.js";

let emu: StartedEmulator;
beforeAll(async () => {
  emu = await startDemo();
});
afterAll(() => emu?.close());

const authorize = (params: Record<string, string>) =>
  `${emu.url}/${CONTOSO.id}/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: DEMO_APP.clientId,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: "openid profile offline_access",
    ...params,
  })}`;

describe("/authorize parameters", () => {
  it("prompt=none without a session redirects with login_required", async () => {
    const r = await new FormBrowser(emu.url).request(authorize({ prompt: "none", state: "x" }));
    expect(r.redirect?.searchParams.get("error")).toBe("login_required");
    expect(r.redirect?.searchParams.get("state")).toBe("x");
  });

  it("prompt=select_account: the account picker continues with the signed-in account or signs in another", async () => {
    const browser = new FormBrowser(emu.url);
    await signInAndConsent(browser, authorize({}), "user1@contoso.example", DEMO_PASSWORDS.user);
    const picker = await browser.request(authorize({ prompt: "select_account", state: "s" }));
    expect(picker.html).toContain("<h1>Pick an account</h1>");
    const account = /<button[^>]*name="login"[^>]*>([^<]+)<\/button>/.exec(picker.html ?? "")?.[1] ?? "";
    expect(account).toContain("user1@contoso.example");
    const picked = await browser.submit(picker.html ?? "", {}, account.trim());
    expect(picked.redirect?.searchParams.get("code")).toBeTruthy();
    expect(picked.redirect?.searchParams.get("state")).toBe("s");

    const again = await browser.request(authorize({ prompt: "select_account" }));
    const another = (again.html ?? "").slice((again.html ?? "").lastIndexOf("<form"));
    const signInPage = await browser.submit(another, {}, "Use another account");
    expect(signInPage.html).toContain('name="login"');
    expect(signInPage.html).not.toContain("user1@contoso.example");

    // Without a session in the browser there is nothing to pick: the sign-in page.
    const fresh = await new FormBrowser(emu.url).request(authorize({ prompt: "select_account" }));
    expect(fresh.html).toContain('name="login"');
  });

  it("plain PKCE, fragment response mode, session reuse and prompt=login", async () => {
    const browser = new FormBrowser(emu.url);
    const first = await signInAndConsent(
      browser,
      authorize({
        code_challenge: "plain-verifier-0123456789012345678901234567",
        code_challenge_method: "plain",
      }),
      "user1@contoso.example",
      DEMO_PASSWORDS.user,
    );
    const code = first.redirect?.searchParams.get("code") ?? "";
    const tokens = await tokenResponse(emu, CONTOSO.id, {
      grant_type: "authorization_code",
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: "plain-verifier-0123456789012345678901234567",
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toBeTruthy();
    expect(claimsOf(tokens.body.id_token as string).preferred_username).toBe("user1@contoso.example");
    const clientInfo = JSON.parse(Buffer.from(tokens.body.client_info as string, "base64url").toString());
    expect(clientInfo).toEqual({ uid: claimsOf(tokens.body.id_token as string).oid, utid: CONTOSO.id });

    const silent = await browser.request(authorize({ prompt: "none", response_mode: "fragment" }));
    expect(silent.redirect?.hash).toMatch(/^#code=/);
    const forced = await browser.request(authorize({ prompt: "login" }));
    expect(forced.html).toContain('name="login"');

    const refreshed = await tokenResponse(emu, CONTOSO.id, {
      grant_type: "refresh_token",
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      refresh_token: tokens.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    const denied = await tokenResponse(emu, CONTOSO.id, {
      grant_type: "refresh_token",
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      refresh_token: tokens.body.refresh_token as string,
      scope: "https://graph.microsoft.com/User.ReadWrite.All",
    });
    expect(denied.status).toBe(400);
    expect(denied.body).toMatchObject({
      error: "invalid_grant",
      error_codes: [65001],
      suberror: "consent_required",
    });
  });

  it("refuses wrong passwords, disabled users and users of another tenant", async () => {
    const browser = new FormBrowser(emu.url);
    const wrong = await signIn(browser, authorize({}), "user1@contoso.example", "nope");
    expect(wrong.html).toContain("AADSTS50126");
    const other = await signIn(browser, authorize({}), "user1@fabrikam.example", DEMO_PASSWORDS.user);
    expect(other.html).toContain("AADSTS50020");
    const unknownApp = await browser.request(
      authorize({ client_id: "00000000-0000-0000-0000-000000000001" }),
    );
    expect(unknownApp.html).toContain("AADSTS700016");
  });

  it("delegated writes outside /me need an administrator", async () => {
    const scope = "openid offline_access https://graph.microsoft.com/User.ReadWrite.All";
    const codeFor = async (login: string, password: string) => {
      const r = await signInAndConsent(
        new FormBrowser(emu.url),
        authorize({ scope, prompt: "login" }),
        login,
        password,
      );
      return r.redirect?.searchParams.get("code") ?? "";
    };
    const exchange = async (code: string) =>
      (
        await tokenResponse(emu, CONTOSO.id, {
          grant_type: "authorization_code",
          client_id: DEMO_APP.clientId,
          client_secret: DEMO_APP.clientSecret,
          code,
          redirect_uri: REDIRECT_URI,
        })
      ).body.access_token as string;
    const adminToken = await exchange(await codeFor("admin@contoso.example", DEMO_PASSWORDS.admin));
    expect(claimsOf(adminToken).scp).toBe("User.ReadWrite.All");
    const patch = (token: string) =>
      fetch(`${emu.graphUrl}/v1.0/users/user1@contoso.example`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ jobTitle: "Changed" }),
      });
    expect((await patch(adminToken)).status).toBe(204);
    // The admin consented for the organization, so user1 gets the scope too, but not the right to write.
    const userToken = await exchange(await codeFor("user1@contoso.example", DEMO_PASSWORDS.user));
    expect(claimsOf(userToken).scp).toBe("User.ReadWrite.All");
    expect((await patch(userToken)).status).toBe(403);
  });

  it("id tokens carry tid, oid, email, wids (directory roles) and amr (mfa for administrators)", async () => {
    const idTokenOf = async (login: string, password: string) => {
      const browser = new FormBrowser(emu.url);
      const url = `${emu.url}/organizations/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: DEMO_APP.clientId,
        response_type: "code",
        redirect_uri: REDIRECT_URI,
        scope: "openid profile email",
        nonce: "n-1",
        code_challenge: "plain-verifier-0123456789012345678901234567",
        code_challenge_method: "plain",
      })}`;
      const done = await signInAndConsent(browser, url, login, password);
      const tokens = await tokenResponse(emu, "organizations", {
        grant_type: "authorization_code",
        client_id: DEMO_APP.clientId,
        client_secret: DEMO_APP.clientSecret,
        code: done.redirect?.searchParams.get("code") ?? "",
        redirect_uri: REDIRECT_URI,
        code_verifier: "plain-verifier-0123456789012345678901234567",
      });
      expect(tokens.status).toBe(200);
      return claimsOf(tokens.body.id_token as string);
    };
    const admin = await idTokenOf("admin@contoso.example", DEMO_PASSWORDS.admin);
    expect(admin).toMatchObject({
      tid: CONTOSO.id,
      iss: `${emu.url}/${CONTOSO.id}/v2.0`,
      nonce: "n-1",
      preferred_username: "admin@contoso.example",
      email: "admin@contoso.example",
      amr: ["pwd", "mfa"],
    });
    expect(admin.wids).toContain("62e90394-69f5-4237-9190-012177145e10");
    const user = await idTokenOf("user1@contoso.example", DEMO_PASSWORDS.user);
    expect(user.amr).toEqual(["pwd"]);
    expect(user.wids).toBeUndefined();
    expect(typeof user.oid).toBe("string");
  });
});
