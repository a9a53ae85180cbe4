import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { baseUrl, type EmulatorContext } from "../context.js";
import { OIDC_SCOPES, ROLE, USER_CONSENTABLE_SCOPES } from "../state/catalog.js";
import type { AppRegistration, Tenant, User } from "../state/model.js";
import type { PendingFlow } from "../state/store.js";
import { findUser, tenantNow } from "../state/users.js";
import { MULTI_TENANT_SEGMENTS, resolveAuthorityTenant } from "./authority.js";
import {
  consentPage,
  errorPage,
  formPostPage,
  pickAccountPage,
  signInEmailPage,
  signInPasswordPage,
} from "./pages.js";
import { redirectUriMatches } from "./redirect.js";
import { StsError } from "./sts-errors.js";
import { splitScope } from "./tokens.js";

export const SESSION_COOKIE = "ESTSAUTH";
const FLOW_TTL_MS = 30 * 60 * 1000;
const CODE_TTL_MS = 10 * 60 * 1000;

type Query = Record<string, string | undefined>;

const PERMISSION_TEXT: Record<string, string> = {
  openid: "Sign you in",
  profile: "View your basic profile",
  email: "View your email address",
  offline_access: "Maintain access to data you have given it access to",
  "User.Read": "Sign in and read user profile",
  "User.ReadWrite.All": "Read and write all users' full profiles",
  "User.Read.All": "Read all users' full profiles",
  "Domain.ReadWrite.All": "Read and write domains",
  "Organization.Read.All": "Read organization information",
  "RoleManagement.ReadWrite.Directory": "Read and write all directory RBAC settings",
  "TeamsTelephoneNumber.ReadWrite.All": "Read and modify your tenant's number assignments",
  "TeamsUserConfiguration.Read.All": "Read Teams user configurations",
  "TeamsPolicyUserAssign.ReadWrite.All": "Read and write Teams policy assignments for users",
};

export function parseCookies(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

function isGlobalAdmin(user: User): boolean {
  return user.directoryRoles.includes(ROLE.GLOBAL_ADMINISTRATOR);
}

/** Finds the user (and tenant) for a sign-in name across all tenants. */
function lookupSignIn(ctx: EmulatorContext, login: string): { tenant: Tenant; user: User } | undefined {
  const domain = login.split("@")[1]?.toLowerCase();
  if (!domain) return undefined;
  const tenant = ctx.state.findTenant(domain);
  if (!tenant) return undefined;
  const user = findUser(tenant, login);
  return user ? { tenant, user } : undefined;
}

function flowAction(flow: PendingFlow, what: "login" | "consent"): string {
  return `/${flow.tenantSegment}/${what}`;
}

/** Delegated permission names requested by a flow (OIDC scopes excluded, `.default` expanded). */
function delegatedScopes(app: AppRegistration, scopes: string[]): string[] {
  const out = new Set<string>();
  for (const s of scopes) {
    if (OIDC_SCOPES.has(s)) continue;
    const { name } = splitScope(s);
    if (name === ".default") for (const p of app.delegatedPermissions) out.add(p);
    else out.add(name);
  }
  return [...out];
}

export function redirectWith(
  reply: FastifyReply,
  flow: PendingFlow,
  params: Record<string, string | undefined>,
): FastifyReply {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) fields[k] = v;
  if (flow.state !== null && fields.state === undefined) fields.state = flow.state;
  if (flow.responseMode === "form_post") {
    return reply.type("text/html; charset=utf-8").send(formPostPage(flow.redirectUri, fields));
  }
  const url = new URL(flow.redirectUri);
  const qs = new URLSearchParams(fields).toString();
  const location =
    flow.responseMode === "fragment" ? `${url.toString().split("#")[0]}#${qs}` : appendQuery(url, fields);
  return reply.redirect(location, 302);
}

function appendQuery(url: URL, fields: Record<string, string>): string {
  for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
  return url.toString();
}

function htmlError(
  reply: FastifyReply,
  status: number,
  title: string,
  code: number,
  message: string,
  returnUrl?: string,
) {
  return reply
    .code(status)
    .type("text/html; charset=utf-8")
    .send(errorPage({ title, code, message, returnUrl }));
}

/**
 * A declined consent. "Admin consent on the Microsoft identity platform" (learn.microsoft.com/entra/identity-
 * platform/v2-admin-consent), error response example: `admin_consent=True&error=consent_required&
 * error_description=AADSTS65004: User declined to consent to access the app.` — the admin-consent endpoint answers
 * consent_required; the authorize endpoint's cancel stays access_denied (subcode cancel).
 */
function denyParams(flow: PendingFlow, code: number, message: string): Record<string, string | undefined> {
  if (flow.kind === "adminconsent")
    return {
      admin_consent: "True",
      error: "consent_required",
      error_description: `AADSTS${code}: ${message}`,
    };
  return {
    error: "access_denied",
    error_subcode: "cancel",
    error_description: `AADSTS${code}: ${message}`,
  };
}

/** GET /{tenant}/oauth2/v2.0/authorize and /{tenant}/[v2.0/]adminconsent. */
export function startFlow(ctx: EmulatorContext, kind: PendingFlow["kind"], legacy: boolean) {
  return async (
    req: FastifyRequest<{ Params: { tenant: string }; Querystring: Query }>,
    reply: FastifyReply,
  ) => {
    req.emu.surface = "login";
    const q = req.query;
    const segment = req.params.tenant.toLowerCase();
    let authorityTenant: Tenant | null;
    try {
      authorityTenant = resolveAuthorityTenant(ctx.state, segment);
    } catch (e) {
      const err = e as StsError;
      return htmlError(reply, 400, "Sorry, but we're having trouble signing you in.", err.code, err.message);
    }
    req.emu.tenantId = authorityTenant?.id ?? null;
    const clientId = (q.client_id ?? "").toLowerCase();
    req.emu.clientId = clientId || null;
    const app = ctx.state.apps.get(clientId);
    if (!app) {
      return htmlError(
        reply,
        400,
        "Sorry, but we're having trouble signing you in.",
        700016,
        `Application with identifier '${q.client_id ?? ""}' was not found in the directory '${authorityTenant?.displayName ?? segment}'.`,
      );
    }
    const redirectUri = q.redirect_uri ?? app.redirectUris[0] ?? "";
    if (!redirectUriMatches(app.redirectUris, redirectUri)) {
      return htmlError(
        reply,
        400,
        "Sorry, but we're having trouble signing you in.",
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`,
      );
    }
    const responseMode = (q.response_mode ?? "query") as PendingFlow["responseMode"];
    const flow: PendingFlow = {
      id: randomBytes(18).toString("base64url"),
      kind,
      legacy,
      tenantSegment: segment,
      clientId: app.clientId,
      redirectUri,
      scopes: (q.scope ?? "").split(/[ +]/).filter(Boolean),
      state: q.state ?? null,
      nonce: q.nonce ?? null,
      responseMode: ["query", "fragment", "form_post"].includes(responseMode) ? responseMode : "query",
      codeChallenge: q.code_challenge ?? null,
      codeChallengeMethod: q.code_challenge
        ? ((q.code_challenge_method ?? "plain") as "S256" | "plain")
        : null,
      prompt: q.prompt ?? null,
      loginHint: q.login_hint ?? null,
      userId: null,
      tenantId: null,
      createdAt: Date.now(),
    };
    if (kind === "authorize") {
      const rt = q.response_type ?? "";
      if (!rt.split(" ").includes("code")) {
        return redirectWith(reply, flow, {
          error: "unsupported_response_type",
          error_description: "AADSTS700054: response_type 'id_token' is not enabled for the application.",
        });
      }
      if (flow.scopes.length === 0) {
        return redirectWith(reply, flow, {
          error: "invalid_request",
          error_description: "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        });
      }
      if (flow.codeChallengeMethod && !["S256", "plain"].includes(flow.codeChallengeMethod)) {
        return redirectWith(reply, flow, {
          error: "invalid_request",
          error_description: "AADSTS501491: Invalid size of Code_Challenge parameter.",
        });
      }
    } else if (segment === "common") {
      return htmlError(
        reply,
        400,
        "Sorry, but we're having trouble signing you in.",
        90130,
        "Application is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
      );
    }
    pruneFlows(ctx);
    ctx.state.identity.flows.set(flow.id, flow);

    const session = ctx.state.identity.sessions.get(parseCookies(req)[SESSION_COOKIE] ?? "");
    const sessionUsable =
      session &&
      flow.prompt !== "login" &&
      (authorityTenant === null || authorityTenant.id === session.tenantId) &&
      ctx.state.tenants.get(session.tenantId)?.users.get(session.userId)?.accountEnabled === true;
    // prompt=select_account interrupts single sign-on: the account picker lists the signed-in account and
    // offers "Use another account" (Microsoft identity platform, OAuth 2.0 authorization code flow, `prompt`).
    if (sessionUsable && flow.prompt === "select_account") {
      const user = ctx.state.tenants.get(session.tenantId)?.users.get(session.userId);
      return reply.type("text/html; charset=utf-8").send(
        pickAccountPage(flowAction(flow, "login"), flow.id, {
          upn: user?.userPrincipalName ?? "",
          name: user?.displayName ?? "",
        }),
      );
    }
    if (sessionUsable) {
      flow.userId = session.userId;
      flow.tenantId = session.tenantId;
      return afterSignIn(ctx, req, reply, flow);
    }
    if (flow.prompt === "none") {
      return redirectWith(reply, flow, {
        error: "login_required",
        error_description: "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
      });
    }
    return reply
      .type("text/html; charset=utf-8")
      .send(signInEmailPage(flowAction(flow, "login"), flow.id, { loginHint: flow.loginHint }));
  };
}

function pruneFlows(ctx: EmulatorContext): void {
  const cutoff = Date.now() - FLOW_TTL_MS;
  for (const [id, f] of ctx.state.identity.flows)
    if (f.createdAt < cutoff) ctx.state.identity.flows.delete(id);
}

/** POST /{tenant}/login: the email step, then the password step. */
export function signInHandler(ctx: EmulatorContext) {
  return async (req: FastifyRequest<{ Body: Record<string, string> }>, reply: FastifyReply) => {
    req.emu.surface = "login";
    const body = req.body ?? {};
    req.emu.logBody = { ...body, passwd: body.passwd ? "***" : undefined };
    const flow = ctx.state.identity.flows.get(body.ctx ?? "");
    if (!flow) {
      return htmlError(
        reply,
        400,
        "Sorry, but we're having trouble signing you in.",
        50196,
        "The server terminated an operation because it encountered a client request loop. Start the sign-in again.",
      );
    }
    req.emu.clientId = flow.clientId;
    const login = (body.login ?? "").trim();
    const found = lookupSignIn(ctx, login);
    const action = flowAction(flow, "login");
    if (body.step === "another") {
      return reply.type("text/html; charset=utf-8").send(signInEmailPage(action, flow.id, {}));
    }
    if (body.step === "pick") {
      // The picked account continues only with the browser's session for it; otherwise it signs in again.
      const session = ctx.state.identity.sessions.get(parseCookies(req)[SESSION_COOKIE] ?? "");
      if (!found || !session || session.userId !== found.user.id || !found.user.accountEnabled) {
        return reply.type("text/html; charset=utf-8").send(signInPasswordPage(action, flow.id, login));
      }
      req.emu.tenantId = found.tenant.id;
      flow.userId = found.user.id;
      flow.tenantId = found.tenant.id;
      return afterSignIn(ctx, req, reply, flow);
    }
    if (body.step !== "password") {
      if (!found) {
        return reply.type("text/html; charset=utf-8").send(
          signInEmailPage(action, flow.id, {
            loginHint: login,
            error:
              "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.",
          }),
        );
      }
      return reply.type("text/html; charset=utf-8").send(signInPasswordPage(action, flow.id, login));
    }
    if (!found || found.user.password !== body.passwd) {
      if (found) req.emu.tenantId = found.tenant.id;
      return reply
        .type("text/html; charset=utf-8")
        .send(
          signInPasswordPage(action, flow.id, login, "Your account or password is incorrect. (AADSTS50126)"),
        );
    }
    const { tenant, user } = found;
    req.emu.tenantId = tenant.id;
    if (!user.accountEnabled) {
      return htmlError(reply, 400, "Your account has been locked", 50057, "The user account is disabled.");
    }
    if (
      !MULTI_TENANT_SEGMENTS.has(flow.tenantSegment) &&
      ctx.state.findTenant(flow.tenantSegment)?.id !== tenant.id
    ) {
      return htmlError(
        reply,
        400,
        "Sorry, but we're having trouble signing you in.",
        50020,
        `User account '${user.userPrincipalName}' from identity provider 'https://sts.windows.net/${tenant.id}/' does not exist in tenant '${flow.tenantSegment}' and cannot access the application '${flow.clientId}' in that tenant.`,
      );
    }
    const sessionId = randomBytes(24).toString("base64url");
    ctx.state.identity.sessions.set(sessionId, {
      userId: user.id,
      tenantId: tenant.id,
      createdAt: Date.now(),
    });
    reply.header("set-cookie", `${SESSION_COOKIE}=${sessionId}; Path=/; Secure; HttpOnly; SameSite=None`);
    flow.userId = user.id;
    flow.tenantId = tenant.id;
    return afterSignIn(ctx, req, reply, flow);
  };
}

function flowUser(ctx: EmulatorContext, flow: PendingFlow): { tenant: Tenant; user: User } | undefined {
  const tenant = flow.tenantId ? ctx.state.tenants.get(flow.tenantId) : undefined;
  const user = tenant && flow.userId ? tenant.users.get(flow.userId) : undefined;
  return tenant && user ? { tenant, user } : undefined;
}

function permissionList(names: string[]) {
  return names.map((name) => ({ name, description: PERMISSION_TEXT[name] ?? name }));
}

async function afterSignIn(
  ctx: EmulatorContext,
  req: FastifyRequest,
  reply: FastifyReply,
  flow: PendingFlow,
) {
  const who = flowUser(ctx, flow);
  const app = ctx.state.apps.get(flow.clientId);
  if (!who || !app)
    return htmlError(
      reply,
      400,
      "Sorry, but we're having trouble signing you in.",
      50058,
      "Session information is not sufficient for single-sign-on.",
    );
  const { tenant, user } = who;
  req.emu.tenantId = tenant.id;
  const returnUrl = `/${flow.tenantSegment}/consent?ctx=${encodeURIComponent(flow.id)}&action=return`;
  if (flow.kind === "adminconsent") {
    if (!isGlobalAdmin(user)) {
      return htmlError(
        reply,
        200,
        "Need admin approval",
        90094,
        `${app.displayName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
        returnUrl,
      );
    }
    return showConsent(reply, flow, app, user, app.applicationPermissions, true);
  }
  const wanted = delegatedScopes(app, flow.scopes);
  const sp = ctx.state.servicePrincipalFor(tenant, app.clientId);
  const granted = new Set([
    ...(sp?.adminConsentedScopes ?? []),
    ...(sp?.userConsentedScopes.get(user.id) ?? []),
  ]);
  const missing = wanted.filter((s) => !granted.has(s));
  // Without a service principal in the tenant nobody has consented yet, even to sign-in only (openid/profile).
  if (sp && missing.length === 0 && flow.prompt !== "consent") return issueCode(ctx, req, reply, flow);
  const needsAdmin = wanted.filter((s) => !USER_CONSENTABLE_SCOPES.has(s));
  if (needsAdmin.length > 0 && !isGlobalAdmin(user) && missing.some((s) => needsAdmin.includes(s))) {
    return htmlError(
      reply,
      200,
      "Need admin approval",
      90094,
      `${app.displayName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
      returnUrl,
    );
  }
  if (flow.prompt === "none") {
    return redirectWith(reply, flow, {
      error: "consent_required",
      error_description: `AADSTS65001: The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
      suberror: "consent_required",
    });
  }
  const shown = [...flow.scopes.filter((s) => OIDC_SCOPES.has(s) && s !== "offline_access"), ...wanted];
  return showConsent(reply, flow, app, user, shown.length ? shown : wanted, needsAdmin.length > 0);
}

function showConsent(
  reply: FastifyReply,
  flow: PendingFlow,
  app: AppRegistration,
  user: User,
  permissions: string[],
  forOrganization: boolean,
) {
  return reply.type("text/html; charset=utf-8").send(
    consentPage({
      action: flowAction(flow, "consent"),
      ctx: flow.id,
      appName: app.displayName,
      publisher: app.publisher,
      userUpn: user.userPrincipalName,
      permissions: permissionList(permissions),
      forOrganization,
    }),
  );
}

/** POST /{tenant}/consent (Accept/Cancel) and GET ...?action=return from the admin-approval page. */
export function consentHandler(ctx: EmulatorContext) {
  return async (
    req: FastifyRequest<{ Body: Record<string, string> | undefined; Querystring: Query }>,
    reply: FastifyReply,
  ) => {
    req.emu.surface = "login";
    const input = { ...req.query, ...(req.body ?? {}) };
    const flow = ctx.state.identity.flows.get(input.ctx ?? "");
    const who = flow ? flowUser(ctx, flow) : undefined;
    const app = flow ? ctx.state.apps.get(flow.clientId) : undefined;
    if (!flow || !who || !app) {
      return htmlError(
        reply,
        400,
        "Sorry, but we're having trouble signing you in.",
        50058,
        "Session information is not sufficient for single-sign-on.",
      );
    }
    req.emu.tenantId = who.tenant.id;
    req.emu.clientId = app.clientId;
    ctx.state.identity.flows.delete(flow.id);
    if (input.action === "return") {
      return redirectWith(reply, flow, {
        error: "access_denied",
        error_description: `AADSTS90094: ${app.displayName} needs permission to access resources in your organization that only an admin can grant.`,
        admin_consent: flow.kind === "adminconsent" ? "True" : undefined,
      });
    }
    if (input.action !== "accept") {
      return redirectWith(
        reply,
        flow,
        denyParams(flow, 65004, "User declined to consent to access the app."),
      );
    }
    const { tenant, user } = who;
    if (flow.kind === "adminconsent") {
      if (!isGlobalAdmin(user)) {
        return htmlError(
          reply,
          403,
          "Need admin approval",
          90094,
          "Admin consent is required for the permissions requested by this application.",
        );
      }
      ctx.state.grantAdminConsent(tenant.id, app.clientId);
      const scope = flow.legacy
        ? undefined
        : app.applicationPermissions.map((p) => `https://graph.microsoft.com/${p}`).join(" ") ||
          flow.scopes.join(" ");
      return redirectWith(reply, flow, { admin_consent: "True", tenant: tenant.id, scope });
    }
    const sp = ctx.state.ensureServicePrincipal(tenant, app);
    const wanted = delegatedScopes(app, flow.scopes);
    if (wanted.some((s) => !USER_CONSENTABLE_SCOPES.has(s)) && isGlobalAdmin(user)) {
      sp.adminConsentedScopes = [...new Set([...sp.adminConsentedScopes, ...wanted])];
    } else {
      sp.userConsentedScopes.set(user.id, [
        ...new Set([...(sp.userConsentedScopes.get(user.id) ?? []), ...wanted]),
      ]);
    }
    return issueCode(ctx, req, reply, flow);
  };
}

function issueCode(ctx: EmulatorContext, req: FastifyRequest, reply: FastifyReply, flow: PendingFlow) {
  const tenant = flow.tenantId ? ctx.state.tenants.get(flow.tenantId) : undefined;
  if (!tenant || !flow.userId) throw new StsError(400, "invalid_request", 50058, "No user is signed in.");
  // Expired codes can only produce AADSTS70008; drop them once they are an hour past expiry.
  for (const [c, grant] of ctx.state.identity.codes) {
    if (grant.expiresAt < tenantNow(tenant) - 3_600_000) ctx.state.identity.codes.delete(c);
  }
  const code = `1.${randomBytes(48).toString("base64url")}`;
  ctx.state.identity.codes.set(code, {
    clientId: flow.clientId,
    redirectUri: flow.redirectUri,
    scopes: flow.scopes,
    userId: flow.userId,
    tenantId: tenant.id,
    nonce: flow.nonce,
    codeChallenge: flow.codeChallenge,
    codeChallengeMethod: flow.codeChallengeMethod,
    expiresAt: tenantNow(tenant) + CODE_TTL_MS,
    used: false,
    sessionId: parseCookies(req)[SESSION_COOKIE] ?? null,
  });
  ctx.state.identity.flows.delete(flow.id);
  const clientInfo = Buffer.from(JSON.stringify({ uid: flow.userId, utid: tenant.id })).toString("base64url");
  return redirectWith(reply, flow, {
    code,
    client_info: clientInfo,
    session_state: randomBytes(16).toString("hex"),
  });
}

export function logoutHandler(ctx: EmulatorContext) {
  return async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    req.emu.surface = "login";
    const sid = parseCookies(req)[SESSION_COOKIE];
    if (sid) ctx.state.identity.sessions.delete(sid);
    reply.header("set-cookie", `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0`);
    const target = req.query.post_logout_redirect_uri;
    if (target) return reply.redirect(target, 302);
    return reply
      .type("text/html; charset=utf-8")
      .send(`<!DOCTYPE html><p>You signed out of your account (${baseUrl(req)}).</p>`);
  };
}
