import { createHash, randomBytes, randomUUID } from "node:crypto";
import { decodeJwt, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { GRAPH_RESOURCE, ROLE, TEAMS_ADMIN_RESOURCE } from "../state/catalog.js";
import type { AppRegistration, ServicePrincipal, Tenant, User } from "../state/model.js";
import type { SigningKey } from "./keys.js";

export type Resource = "graph" | "teams";

export const RESOURCE_AUDIENCE: Record<Resource, string> = {
  graph: GRAPH_RESOURCE,
  teams: TEAMS_ADMIN_RESOURCE,
};

const RESOURCE_ALIASES: Record<string, Resource> = {
  "https://graph.microsoft.com": "graph",
  "graph.microsoft.com": "graph",
  "00000003-0000-0000-c000-000000000000": "graph",
  [TEAMS_ADMIN_RESOURCE]: "teams",
  [`api://${TEAMS_ADMIN_RESOURCE}`]: "teams",
};

export function resourceOf(identifier: string): Resource | undefined {
  return RESOURCE_ALIASES[identifier.toLowerCase().replace(/\/$/, "")];
}

/** Splits "https://graph.microsoft.com/User.Read" into resource + permission; bare names belong to Graph. */
export function splitScope(scope: string): { resource: Resource | undefined; name: string } {
  const slash = scope.lastIndexOf("/");
  if (slash < 0) return { resource: "graph", name: scope };
  return { resource: resourceOf(scope.slice(0, slash)), name: scope.slice(slash + 1) };
}

const b64 = () => randomBytes(24).toString("base64url");

export const v1Issuer = (tid: string) => `https://sts.windows.net/${tid}/`;
export const v2Issuer = (base: string, tid: string) => `${base}/${tid}/v2.0`;

/**
 * The `amr` claim (id token claims reference: "how the subject of the token was authenticated"). Tenants run
 * with security defaults, which make users holding an administrator role do multifactor authentication at every
 * sign-in (learn.microsoft.com/entra/fundamentals/security-defaults, "Require administrators to do multifactor
 * authentication"); everyone else signs in with the password alone.
 */
const MFA_ROLES: readonly string[] = [
  ROLE.GLOBAL_ADMINISTRATOR,
  ROLE.PRIVILEGED_ROLE_ADMINISTRATOR,
  ROLE.USER_ADMINISTRATOR,
];
export const authenticationMethods = (user: User): string[] =>
  user.directoryRoles.some((r) => MFA_ROLES.includes(r)) ? ["pwd", "mfa"] : ["pwd"];

export interface EmulatorTokenClaims extends JWTPayload {
  tid: string;
  appid?: string;
  oid?: string;
  roles?: string[];
  scp?: string;
  wids?: string[];
  idtyp?: "app" | "user";
  upn?: string;
}

export class TokenService {
  constructor(private readonly key: SigningKey) {}

  private sign(payload: JWTPayload, nowSec: number, lifetime: number): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ typ: "JWT", alg: "RS256", kid: this.key.kid, x5t: this.key.kid })
      .setIssuedAt(nowSec)
      .setNotBefore(nowSec)
      .setExpirationTime(nowSec + lifetime)
      .sign(this.key.privateKey);
  }

  /** App-only access token in Graph's v1.0 format (reference §1.9). */
  appToken(opts: {
    tenant: Tenant;
    app: AppRegistration;
    sp: ServicePrincipal;
    resource: Resource;
    wids: string[];
    nowMs: number;
    lifetime: number;
    appidacr: "1" | "2";
  }): Promise<string> {
    const { tenant, app, sp, resource } = opts;
    const payload: JWTPayload = {
      aud: RESOURCE_AUDIENCE[resource],
      iss: v1Issuer(tenant.id),
      aio: b64(),
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: opts.appidacr,
      idp: v1Issuer(tenant.id),
      idtyp: "app",
      oid: sp.id,
      rh: `0.${b64()}.`,
      sub: sp.id,
      tenant_region_scope: "EU",
      tid: tenant.id,
      uti: b64().slice(0, 22),
      ver: "1.0",
      xms_tcdt: Math.floor(Date.parse(tenant.createdDateTime) / 1000),
    };
    if (resource === "graph" && sp.grantedAppRoles.length > 0) payload.roles = [...sp.grantedAppRoles];
    if (opts.wids.length > 0) payload.wids = opts.wids;
    return this.sign(payload, Math.floor(opts.nowMs / 1000), opts.lifetime);
  }

  /** Delegated access token (v1.0 format, as Graph issues). */
  userToken(opts: {
    tenant: Tenant;
    app: AppRegistration;
    user: User;
    resource: Resource;
    scopes: string[];
    nowMs: number;
    lifetime: number;
  }): Promise<string> {
    const { tenant, app, user } = opts;
    const payload: JWTPayload = {
      aud: RESOURCE_AUDIENCE[opts.resource],
      iss: v1Issuer(tenant.id),
      acr: "1",
      aio: b64(),
      amr: authenticationMethods(user),
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: "1",
      family_name: user.surname ?? undefined,
      given_name: user.givenName ?? undefined,
      idtyp: "user",
      name: user.displayName,
      oid: user.id,
      rh: `0.${b64()}.`,
      scp: opts.scopes.join(" "),
      sub: pairwiseSub(user.id, app.clientId),
      tid: tenant.id,
      unique_name: user.userPrincipalName,
      upn: user.userPrincipalName,
      uti: b64().slice(0, 22),
      ver: "1.0",
      wids: user.directoryRoles.length > 0 ? [...user.directoryRoles] : undefined,
    };
    return this.sign(payload, Math.floor(opts.nowMs / 1000), opts.lifetime);
  }

  idToken(opts: {
    base: string;
    tenant: Tenant;
    app: AppRegistration;
    user: User;
    nonce: string | null;
    nowMs: number;
    sid: string | null;
  }): Promise<string> {
    const { tenant, app, user } = opts;
    const payload: JWTPayload = {
      aud: app.clientId,
      iss: v2Issuer(opts.base, tenant.id),
      name: user.displayName,
      nonce: opts.nonce ?? undefined,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      email: user.mail ?? undefined,
      amr: authenticationMethods(user),
      // Tenant-wide directory roles (role template ids), emitted for an app whose groupMembershipClaims is
      // DirectoryRole or All (access and id token claims reference, `wids`); the emulated apps are registered so.
      wids: user.directoryRoles.length > 0 ? [...user.directoryRoles] : undefined,
      rh: `0.${b64()}.`,
      sid: opts.sid ?? undefined,
      sub: pairwiseSub(user.id, app.clientId),
      tid: tenant.id,
      uti: b64().slice(0, 22),
      ver: "2.0",
      aio: b64(),
    };
    return this.sign(payload, Math.floor(opts.nowMs / 1000), 3600);
  }

  /** Verifies signature, audience and expiry against the tenant's (possibly advanced) clock. */
  async verify(
    token: string,
    audiences: string[],
    currentDate: (claims: EmulatorTokenClaims) => Date,
  ): Promise<{ ok: true; claims: EmulatorTokenClaims } | { ok: false; reason: string }> {
    let unverified: EmulatorTokenClaims;
    try {
      unverified = decodeJwt(token) as EmulatorTokenClaims;
    } catch {
      return { ok: false, reason: "IDX14100: JWT is not well formed." };
    }
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: ["RS256"],
        currentDate: currentDate(unverified),
      });
      const claims = payload as EmulatorTokenClaims;
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.some((a) => a && audiences.includes(a))) return { ok: false, reason: "Invalid audience." };
      if (!claims.tid || claims.iss !== v1Issuer(claims.tid)) return { ok: false, reason: "Invalid issuer." };
      return { ok: true, claims };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ERR_JWT_EXPIRED")
        return { ok: false, reason: "Lifetime validation failed, the token is expired." };
      return { ok: false, reason: "Invalid signature." };
    }
  }
}

export function pairwiseSub(userId: string, clientId: string): string {
  return createHash("sha256").update(`${userId}|${clientId}`).digest("base64url").slice(0, 43);
}

export const newOpaque = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;
export const newCorrelationId = () => randomUUID();
