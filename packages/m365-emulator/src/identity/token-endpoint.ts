import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { decodeProtectedHeader, importX509, jwtVerify } from "jose";
import { baseUrl, type EmulatorContext, hostOf } from "../context.js";
import { OIDC_SCOPES } from "../state/catalog.js";
import type { AppRegistration, Tenant } from "../state/model.js";
import { tenantNow } from "../state/users.js";
import { resolveAuthorityTenant } from "./authority.js";
import { StsError, stsError } from "./sts-errors.js";
import { newOpaque, type Resource, resourceOf, splitScope } from "./tokens.js";

type Form = Record<string, string | undefined>;
const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function basicCredentials(req: FastifyRequest): { id: string; secret: string } | undefined {
  const h = req.headers.authorization;
  if (!h?.toLowerCase().startsWith("basic ")) return undefined;
  const decoded = Buffer.from(h.slice(6), "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

/** Authenticates the client; returns appidacr ("1" secret, "2" certificate, "0" public). */
async function authenticateClient(
  req: FastifyRequest,
  form: Form,
  app: AppRegistration,
  tokenUrl: string,
): Promise<"0" | "1" | "2"> {
  const basic = basicCredentials(req);
  const secret = form.client_secret ?? basic?.secret;
  if (secret !== undefined) {
    if (!app.secrets.some((s) => safeEqual(s, secret))) {
      throw new StsError(
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      );
    }
    return "1";
  }
  if (form.client_assertion) {
    if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
      throw new StsError(400, "invalid_request", 700025, "Client assertion type is invalid.");
    }
    // msal-node signs with PS256 when given a SHA-256 thumbprint, RS256 with a SHA-1 one.
    let alg = "RS256";
    try {
      alg = decodeProtectedHeader(form.client_assertion).alg ?? "RS256";
    } catch {
      // malformed assertions fail the signature check below
    }
    for (const pem of app.certificates) {
      try {
        if (!["RS256", "PS256"].includes(alg)) break;
        const key = await importX509(pem, alg);
        const { payload } = await jwtVerify(form.client_assertion, key, {
          issuer: app.clientId,
          subject: app.clientId,
          clockTolerance: 300,
        });
        const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        const path = new URL(tokenUrl).pathname.toLowerCase();
        if (!aud.some((a) => a && new URL(a).pathname.toLowerCase() === path)) continue;
        return "2";
      } catch {
        // try the next registered certificate
      }
    }
    throw new StsError(
      401,
      "invalid_client",
      700027,
      "Client assertion failed signature validation. (Reason - The key was not found.)",
    );
  }
  if (app.isPublicClient) return "0";
  throw new StsError(
    401,
    "invalid_client",
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );
}

function pkceMatches(
  verifier: string | undefined,
  challenge: string,
  method: "S256" | "plain" | null,
): boolean {
  if (!verifier) return false;
  if (method === "S256") return createHash("sha256").update(verifier).digest("base64url") === challenge;
  return verifier === challenge;
}

/** Resource of a user token request: the first non-OIDC scope's resource, Graph by default. */
function userResource(scopes: string[]): { resource: Resource; names: string[] } {
  const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s));
  if (resourceScopes.length === 0) return { resource: "graph", names: [".default"] };
  const first = splitScope(resourceScopes[0] ?? "");
  const resource = first.resource ?? "graph";
  const names = resourceScopes
    .map(splitScope)
    .filter((s) => s.resource === resource)
    .map((s) => s.name);
  return { resource, names };
}

export function tokenHandler(ctx: EmulatorContext) {
  return async (
    req: FastifyRequest<{ Params: { tenant: string }; Body: Form | undefined }>,
    reply: FastifyReply,
  ) => {
    req.emu.surface = "login";
    const form: Form = req.body && typeof req.body === "object" ? req.body : {};
    const redacted: Form = { ...form };
    for (const k of [
      "client_secret",
      "client_assertion",
      "code",
      "refresh_token",
      "code_verifier",
      "password",
    ]) {
      if (redacted[k]) redacted[k] = "***";
    }
    req.emu.logBody = redacted;
    const correlationId = (req.headers["client-request-id"] as string | undefined) ?? undefined;
    try {
      const result = await issue(ctx, req, form);
      reply.header("cache-control", "no-store, no-cache");
      return reply.send(result);
    } catch (e) {
      if (e instanceof StsError) {
        return reply
          .code(e.status)
          .send(stsError(hostOf(req), e.error, e.code, e.message, correlationId, e.suberror));
      }
      throw e;
    }
  };
}

async function issue(ctx: EmulatorContext, req: FastifyRequest<{ Params: { tenant: string } }>, form: Form) {
  const segment = req.params.tenant.toLowerCase();
  const authorityTenant = resolveAuthorityTenant(ctx.state, segment);
  req.emu.tenantId = authorityTenant?.id ?? null;
  const basic = basicCredentials(req);
  const clientId = (form.client_id ?? basic?.id ?? "").toLowerCase();
  req.emu.clientId = clientId || null;
  if (!clientId) {
    throw new StsError(
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  }
  const app = ctx.state.apps.get(clientId);
  const grantType = form.grant_type;
  if (!grantType) {
    throw new StsError(
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
    );
  }
  const appNotFound = (tenantName: string) =>
    new StsError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  if (!app) throw appNotFound(authorityTenant?.displayName ?? segment);
  const tokenUrl = `${baseUrl(req)}/${req.params.tenant}/oauth2/v2.0/token`;
  const lifetime = ctx.state.settings.accessTokenLifetimeSeconds;

  if (grantType === "client_credentials") {
    if (!authorityTenant) {
      throw new StsError(
        400,
        "invalid_request",
        90002,
        `Tenant '${segment}' cannot be used for the client credentials grant; use a tenant ID or domain.`,
      );
    }
    const appidacr = await authenticateClient(req, form, app, tokenUrl);
    const scopes = (form.scope ?? "").split(" ").filter(Boolean);
    const only = scopes[0];
    if (scopes.length !== 1 || !only?.endsWith("/.default")) {
      throw new StsError(
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${form.scope ?? ""} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = resourceOf(only.slice(0, -"/.default".length));
    if (!resource) {
      throw new StsError(
        400,
        "invalid_resource",
        500011,
        `The resource principal named ${only.slice(0, -"/.default".length)} was not found in the tenant named ${authorityTenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    const sp = ctx.state.servicePrincipalFor(authorityTenant, app.clientId);
    if (!sp) throw appNotFound(authorityTenant.displayName);
    const wids = ctx.state.propagatedRolesOf(authorityTenant, sp.id);
    const token = await ctx.tokens.appToken({
      tenant: authorityTenant,
      app,
      sp,
      resource,
      wids,
      nowMs: tenantNow(authorityTenant),
      lifetime,
      appidacr: appidacr === "2" ? "2" : "1",
    });
    return { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: token };
  }

  if (grantType === "authorization_code" || grantType === "refresh_token") {
    await authenticateClient(req, form, app, tokenUrl);
    let tenant: Tenant | undefined;
    let userId: string;
    let grantedScopes: string[];
    let nonce: string | null = null;
    if (grantType === "authorization_code") {
      const code = ctx.state.identity.codes.get(form.code ?? "");
      if (!code) {
        throw new StsError(
          400,
          "invalid_grant",
          9002313,
          "Invalid request. Request is malformed or invalid.",
        );
      }
      tenant = ctx.state.tenants.get(code.tenantId);
      if (!tenant)
        throw new StsError(
          400,
          "invalid_grant",
          9002313,
          "Invalid request. Request is malformed or invalid.",
        );
      if (code.used) {
        throw new StsError(
          400,
          "invalid_grant",
          54005,
          "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        );
      }
      if (tenantNow(tenant) > code.expiresAt) {
        throw new StsError(
          400,
          "invalid_grant",
          70008,
          "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        );
      }
      if (code.clientId !== app.clientId) {
        throw new StsError(
          400,
          "invalid_grant",
          70000,
          "The provided authorization code was issued to a different client.",
        );
      }
      if (form.redirect_uri !== code.redirectUri) {
        throw new StsError(
          400,
          "invalid_grant",
          50011,
          `The redirect URI '${form.redirect_uri ?? ""}' specified in the request does not match the one used to request the authorization code.`,
        );
      }
      if (
        code.codeChallenge &&
        !pkceMatches(form.code_verifier, code.codeChallenge, code.codeChallengeMethod)
      ) {
        throw new StsError(
          400,
          "invalid_grant",
          501481,
          "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
      }
      if (authorityTenant && authorityTenant.id !== tenant.id) {
        throw new StsError(
          400,
          "invalid_grant",
          50020,
          "The authorization code was issued for another tenant.",
        );
      }
      code.used = true;
      userId = code.userId;
      grantedScopes = code.scopes;
      nonce = code.nonce;
    } else {
      const grant = ctx.state.identity.refreshTokens.get(form.refresh_token ?? "");
      if (!grant || grant.clientId !== app.clientId) {
        throw new StsError(
          400,
          "invalid_grant",
          9002313,
          "Invalid request. Request is malformed or invalid.",
        );
      }
      tenant = ctx.state.tenants.get(grant.tenantId);
      userId = grant.userId;
      grantedScopes = grant.scopes;
    }
    const user = tenant?.users.get(userId);
    if (!tenant || !user) {
      throw new StsError(400, "invalid_grant", 50034, "The user account does not exist in the directory.");
    }
    if (!user.accountEnabled)
      throw new StsError(400, "invalid_grant", 50057, "The user account is disabled.");
    req.emu.tenantId = tenant.id;
    const requested = (form.scope ?? "").split(" ").filter(Boolean);
    const scopes =
      requested.length > 0
        ? [...new Set([...requested, ...grantedScopes.filter((s) => OIDC_SCOPES.has(s))])]
        : grantedScopes;
    const { resource, names } = userResource(scopes);
    const sp = ctx.state.servicePrincipalFor(tenant, app.clientId);
    const consented = new Set([
      ...(sp?.adminConsentedScopes ?? []),
      ...(sp?.userConsentedScopes.get(user.id) ?? []),
    ]);
    const effective = names.flatMap((n) => (n === ".default" ? [...consented] : [n]));
    const missing = effective.filter((n) => !consented.has(n));
    if (missing.length > 0) {
      throw new StsError(
        400,
        "invalid_grant",
        65001,
        `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
        "consent_required",
      );
    }
    const nowMs = tenantNow(tenant);
    const accessToken = await ctx.tokens.userToken({
      tenant,
      app,
      user,
      resource,
      scopes: effective,
      nowMs,
      lifetime,
    });
    const resourcePrefix =
      resource === "graph" ? "https://graph.microsoft.com/" : "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/";
    const oidc = scopes.filter((s) => OIDC_SCOPES.has(s));
    const out: Record<string, unknown> = {
      token_type: "Bearer",
      scope: [...oidc, ...effective.map((n) => `${resourcePrefix}${n}`)].join(" "),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
    if (scopes.includes("offline_access")) {
      const rt = newOpaque("1.AQ");
      ctx.state.identity.refreshTokens.set(rt, {
        clientId: app.clientId,
        userId: user.id,
        tenantId: tenant.id,
        scopes,
      });
      out.refresh_token = rt;
    }
    if (scopes.includes("openid")) {
      out.id_token = await ctx.tokens.idToken({
        base: baseUrl(req),
        tenant,
        app,
        user,
        nonce,
        nowMs,
        sid: null,
      });
    }
    out.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.id })).toString("base64url");
    return out;
  }

  throw new StsError(
    400,
    "unsupported_grant_type",
    70003,
    `The app requested an unsupported grant type '${grantType}'.`,
  );
}
