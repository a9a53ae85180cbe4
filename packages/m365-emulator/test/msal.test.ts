import { createHash, randomBytes } from "node:crypto";
import { ConfidentialClientApplication, CryptoProvider } from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APP, DEMO_PASSWORDS, ROLE, type StartedEmulator } from "../src/index.js";
import {
  CONTOSO,
  claimsOf,
  consentDemoApp,
  FABRIKAM,
  FormBrowser,
  GRAPH_SCOPE,
  graph,
  REDIRECT_URI,
  signIn,
  startDemo,
  TEAMS_SCOPE,
} from "./helpers.js";

let emu: StartedEmulator;
let cca: ConfidentialClientApplication;

beforeAll(async () => {
  emu = await startDemo();
  const port = new URL(emu.url).port;
  cca = new ConfidentialClientApplication({
    auth: {
      clientId: DEMO_APP.clientId,
      clientSecret: DEMO_APP.clientSecret,
      authority: `${emu.url}/${CONTOSO.id}`,
      knownAuthorities: [`localhost:${port}`],
    },
  });
});
afterAll(() => emu?.close());

describe("@azure/msal-node against the emulator", () => {
  it("gets a Graph token with client credentials once the app is consented", async () => {
    await expect(
      cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true }),
    ).rejects.toMatchObject({
      errorCode: "unauthorized_client",
    });
    consentDemoApp(emu, CONTOSO.id);
    const result = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true });
    expect(result?.tokenType).toBe("Bearer");
    const claims = claimsOf(result?.accessToken ?? "");
    expect(claims).toMatchObject({
      aud: "https://graph.microsoft.com",
      iss: `https://sts.windows.net/${CONTOSO.id}/`,
      tid: CONTOSO.id,
      appid: DEMO_APP.clientId,
      idtyp: "app",
      ver: "1.0",
    });
    expect(claims.roles).toEqual(
      expect.arrayContaining(["User.ReadWrite.All", "TeamsTelephoneNumber.ReadWrite.All"]),
    );
    const header = JSON.parse(
      Buffer.from((result?.accessToken ?? "").split(".")[0] ?? "", "base64url").toString(),
    );
    const jwks = (await (await fetch(`${emu.url}/${CONTOSO.id}/discovery/v2.0/keys`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const users = await graph(emu, result?.accessToken ?? "", "GET", "/users?$top=1");
    expect(users.status).toBe(200);
  });

  it("gets a Teams admin token whose wids reflect the service principal's roles at issuance", async () => {
    const spId = consentDemoApp(emu, CONTOSO.id);
    const before = await cca.acquireTokenByClientCredential({ scopes: [TEAMS_SCOPE], skipCache: true });
    expect(claimsOf(before?.accessToken ?? "")).toMatchObject({
      aud: "48ac35b8-9aa8-4d74-927d-1f4a14a0b239",
    });
    const denied = await fetch(`${emu.teamsAdminUrl}/Teams.User/users`, {
      headers: { authorization: `Bearer ${before?.accessToken}` },
    });
    expect(denied.status).toBe(403);
    emu.state.assignDirectoryRole(CONTOSO.id, spId, ROLE.TEAMS_ADMINISTRATOR);
    const stale = await fetch(`${emu.teamsAdminUrl}/Teams.User/users`, {
      headers: { authorization: `Bearer ${before?.accessToken}` },
    });
    expect(stale.status).toBe(403);
    const after = await cca.acquireTokenByClientCredential({ scopes: [TEAMS_SCOPE], skipCache: true });
    expect(claimsOf(after?.accessToken ?? "").wids).toContain(ROLE.TEAMS_ADMINISTRATOR);
    const ok = await fetch(`${emu.teamsAdminUrl}/Teams.User/users`, {
      headers: { authorization: `Bearer ${after?.accessToken}` },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { users: unknown[] }).users).toHaveLength(50);
  });

  it("runs the authorization code flow with PKCE through the HTML pages", async () => {
    const crypto = new CryptoProvider();
    const { verifier, challenge } = await crypto.generatePkceCodes();
    const nonce = randomBytes(8).toString("hex");
    const state = randomBytes(8).toString("hex");
    const url = await cca.getAuthCodeUrl({
      scopes: ["openid", "profile", "offline_access", "User.Read"],
      redirectUri: REDIRECT_URI,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state,
      nonce,
      authority: `${emu.url}/${FABRIKAM.id}`,
    });
    const browser = new FormBrowser(emu.url);
    const consent = await signIn(browser, url, "user1@fabrikam.example", DEMO_PASSWORDS.user);
    expect(consent.html).toContain("Link2Teams");
    expect(consent.html).toContain("Cataleya Private Limited");
    expect(consent.html).toContain("User.Read");
    const done = await browser.submit(consent.html ?? "", {}, "Accept");
    expect(done.redirect?.pathname).toBe("/api/microsoft/callback");
    expect(done.redirect?.port).toBe("3000");
    expect(done.redirect?.searchParams.get("state")).toBe(state);
    const code = done.redirect?.searchParams.get("code") ?? "";
    const result = await cca.acquireTokenByCode(
      {
        code,
        scopes: ["openid", "profile", "offline_access", "User.Read"],
        redirectUri: REDIRECT_URI,
        codeVerifier: verifier,
        authority: `${emu.url}/${FABRIKAM.id}`,
        state,
        nonce,
      },
      { code, state },
    );
    expect(result.idTokenClaims).toMatchObject({
      tid: FABRIKAM.id,
      preferred_username: "user1@fabrikam.example",
      nonce,
      aud: DEMO_APP.clientId,
      iss: `${emu.url}/${FABRIKAM.id}/v2.0`,
    });
    expect(result.account?.username).toBe("user1@fabrikam.example");
    const claims = claimsOf(result.accessToken);
    expect(claims.scp).toBe("User.Read");
    const me = await graph(emu, result.accessToken, "GET", "/me");
    expect(me.body.userPrincipalName).toBe("user1@fabrikam.example");

    // The code is single-use.
    await expect(
      cca.acquireTokenByCode({
        code,
        scopes: ["User.Read"],
        redirectUri: REDIRECT_URI,
        codeVerifier: verifier,
        authority: `${emu.url}/${FABRIKAM.id}`,
      }),
    ).rejects.toMatchObject({ errorCode: "invalid_grant" });

    // A second /authorize in the same browser session skips the password and the (now granted) consent.
    const second = await browser.request(
      await cca.getAuthCodeUrl({
        scopes: ["openid", "User.Read"],
        redirectUri: REDIRECT_URI,
        authority: `${emu.url}/${FABRIKAM.id}`,
      }),
    );
    expect(second.redirect?.searchParams.get("code")).toBeTruthy();

    // Refresh token grant through MSAL's cache.
    const silent = await cca.acquireTokenSilent({
      account: result.account!,
      scopes: ["User.Read"],
      forceRefresh: true,
      authority: `${emu.url}/${FABRIKAM.id}`,
    });
    expect(claimsOf(silent.accessToken).oid).toBe(claims.oid);
  });

  it("rejects a wrong PKCE verifier with AADSTS501481 and a wrong secret with AADSTS7000215", async () => {
    const challenge = createHash("sha256").update("right-verifier").digest("base64url");
    const browser = new FormBrowser(emu.url);
    const authUrl = `${emu.url}/${CONTOSO.id}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: DEMO_APP.clientId,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: "openid User.Read",
      code_challenge: challenge,
      code_challenge_method: "S256",
      response_mode: "form_post",
    })}`;
    const page = await signIn(browser, authUrl, "user1@contoso.example", DEMO_PASSWORDS.user);
    // form_post answers with an HTML form that posts to the redirect URI
    expect(page.html).toContain(`action="${REDIRECT_URI}"`);
    const code = /name="code" value="([^"]+)"/.exec(page.html ?? "")?.[1] ?? "";
    const bad = await fetch(`${emu.url}/${CONTOSO.id}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: DEMO_APP.clientId,
        client_secret: DEMO_APP.clientSecret,
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: "wrong-verifier",
      }),
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as {
      error: string;
      error_codes: number[];
      error_description: string;
      trace_id: string;
    };
    expect(body.error).toBe("invalid_grant");
    expect(body.error_codes).toEqual([501481]);
    expect(body.error_description).toMatch(
      /^AADSTS501481: .*\r\nTrace ID: .*\r\nCorrelation ID: .*\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );

    const secret = await fetch(`${emu.url}/${CONTOSO.id}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: DEMO_APP.clientId,
        client_secret: "nope",
        scope: GRAPH_SCOPE,
      }),
    });
    expect(secret.status).toBe(401);
    expect(((await secret.json()) as { error_codes: number[] }).error_codes).toEqual([7000215]);
  });
});
