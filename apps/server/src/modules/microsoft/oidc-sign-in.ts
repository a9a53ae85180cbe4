import { createHash } from "node:crypto";
import { decodeJwt, type JWTPayload, jwtVerify } from "jose";
import type { Executor } from "../../db/client.js";
import { type MicrosoftPerson, MicrosoftSignInError, type MicrosoftSignInPort } from "../identity/index.js";
import type { MicrosoftPort } from "./port.js";
import { connectionsRepository } from "./repository.js";

type MicrosoftDeps = { microsoft: MicrosoftPort };

/**
 * OpenID Connect sign-in of a person with their Microsoft 365 (Entra) account: the authorization code flow
 * with PKCE against the multi-tenant `/organizations` endpoint, and the id token's verification
 * (learn.microsoft.com/entra/identity-platform/v2-protocols-oidc, id-token-claims-reference): signature from
 * the published keys, `aud` = our client id, `iss` = `{login}/{tid}/v2.0` for the token's own `tid`, `nonce`.
 */

export const SIGN_IN_SCOPE = "openid profile email";

export const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export async function signInAuthorizeUrl(
  deps: MicrosoftDeps,
  input: { redirectUri: string; state: string; nonce: string; codeVerifier: string; prompt?: string },
): Promise<string | null> {
  const settings = await deps.microsoft.settings();
  if (!settings.clientId || (!settings.clientSecret && !settings.certificate)) return null;
  const url = new URL(`${settings.loginUrl}/organizations/oauth2/v2.0/authorize`);
  url.searchParams.set("client_id", settings.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("response_mode", "query");
  url.searchParams.set("scope", SIGN_IN_SCOPE);
  url.searchParams.set("state", input.state);
  url.searchParams.set("nonce", input.nonce);
  url.searchParams.set("code_challenge", s256(input.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (input.prompt) url.searchParams.set("prompt", input.prompt);
  return url.toString();
}

/** Redeems an authorization code (with the app's credential and the PKCE verifier) for an id token. */
export async function redeemSignInCode(
  deps: MicrosoftDeps,
  input: { authority: string; code: string; redirectUri: string; codeVerifier: string; scope: string },
): Promise<string> {
  const settings = await deps.microsoft.settings();
  const tokenUrl = `${settings.loginUrl}/${input.authority}/oauth2/v2.0/token`;
  const response = await fetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: settings.clientId!,
      ...(await deps.microsoft.tokens.clientCredential(tokenUrl)),
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
      scope: input.scope,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as { id_token?: string; error?: string };
  if (!response.ok || !body.id_token)
    throw new MicrosoftSignInError(`token endpoint: ${body.error ?? response.status}`);
  return body.id_token;
}

/**
 * Verifies an id token. `tenantId` fixes the expected issuer; without it (the `/organizations` endpoint) the
 * issuer expected is the one of the token's own `tid`, which is then what the caller maps to an account.
 */
export async function verifyIdToken(
  deps: MicrosoftDeps,
  idToken: string,
  expected: { nonce: string; tenantId?: string },
): Promise<JWTPayload> {
  const settings = await deps.microsoft.settings();
  let tid = expected.tenantId;
  if (!tid) {
    try {
      tid = String(decodeJwt(idToken).tid ?? "").toLowerCase();
    } catch {
      throw new MicrosoftSignInError("id token is not a JWT");
    }
  }
  if (!/^[0-9a-f-]{36}$/.test(tid)) throw new MicrosoftSignInError("id token without a tenant id");
  const jwksUrl = `${settings.loginUrl}/${tid}/discovery/v2.0/keys`;
  const { payload } = await jwtVerify(idToken, deps.microsoft.signingKeys(jwksUrl), {
    audience: settings.clientId!,
    issuer: `${settings.loginUrl}/${tid}/v2.0`,
    algorithms: ["RS256"],
  }).catch((error: Error) => {
    throw new MicrosoftSignInError(`id token rejected: ${error.message}`);
  });
  if (payload.nonce !== expected.nonce) throw new MicrosoftSignInError("id token nonce mismatch");
  if (String(payload.tid ?? "").toLowerCase() !== tid)
    throw new MicrosoftSignInError("id token tid mismatch");
  return payload;
}

/** The person an id token names, as the portal uses it. */
export function identityOf(payload: JWTPayload): MicrosoftPerson {
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return {
    tenantId: String(payload.tid).toLowerCase(),
    objectId: String(payload.oid ?? ""),
    email: String(payload.email ?? payload.preferred_username ?? "")
      .trim()
      .toLowerCase(),
    name: String(payload.name ?? payload.preferred_username ?? ""),
    directoryRoles: strings(payload.wids).map((r) => r.toLowerCase()),
    mfa: strings(payload.amr).includes("mfa"),
  };
}

/** Sign in with Microsoft (identity module) on this module's OpenID Connect client and consent records. */
export function microsoftSignInAdapter(deps: MicrosoftDeps & { db: Executor }): MicrosoftSignInPort {
  return {
    authorizeUrl: (input) => signInAuthorizeUrl(deps, input),
    async identify(input) {
      const idToken = await redeemSignInCode(deps, {
        authority: "organizations",
        code: input.code,
        redirectUri: input.redirectUri,
        codeVerifier: input.codeVerifier,
        scope: SIGN_IN_SCOPE,
      });
      return identityOf(await verifyIdToken(deps, idToken, { nonce: input.nonce }));
    },
    async enterpriseOfTenant(tenantId) {
      return connectionsRepository(deps.db).platform.enterpriseOfTenant(tenantId);
    },
  };
}
