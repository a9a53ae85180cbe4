import type { FastifyInstance, FastifyRequest } from "fastify";
import { Problem } from "./problem.js";

/*
 * The gate is platform code: it imports no module. It declares the vocabulary it enforces (roles,
 * permissions, the account a route acts on); identity and tenancy use these declarations and keep their
 * own types identical to them (checked at compile time in `tenancy/policies.ts` and `identity/policies.ts`).
 */

/** What a route may need. Kept coarse on purpose; modules add finer rules in their own policies. */
/** `administer`: account-level settings of an Admin (e.g. operator settings, which hold credentials). */
export type Permission = "read" | "write" | "manage-users" | "administer";

/** A portal user's role in their account (identity's `PortalRole`). */
export type Role = "Admin" | "User" | "Read-only";

const grants: Record<Role, readonly Permission[]> = {
  Admin: ["read", "write", "manage-users", "administer"],
  User: ["read", "write"],
  "Read-only": ["read"],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}

/** The account an `account` route acts on: a row of tenancy's account tree (its `Account`). */
export interface TargetAccount {
  id: string;
  kind: "operator" | "partner" | "enterprise";
  name: string;
  parentId: string | null;
  /** The chain of ids from the root, `/op-id/partner-id/…/`: an account reaches every path it prefixes. */
  path: string;
  status: "active" | "suspended";
  requireTwoFactor: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Every /api route declares its access in `config.access`:
 * - `public`: anyone (sign-in, activation, health…)
 * - `session`: any signed-in user, about themselves
 * - `account`: the route has an `:accountId` param; the actor must reach that account and hold `permission`
 * An API key acts as a portal user of its role in its account, through these same checks; it is refused
 * (403) on `session` routes, which are about a signed-in person (their sessions, password, two-factor), and
 * on `account` routes that declare `apiKeys: false`.
 * A route without a declaration fails at registration, so none can be forgotten.
 */
export type Access =
  | { kind: "public" }
  | { kind: "session" }
  | {
      kind: "account";
      permission: Permission;
      /** `false`: portal users only, API keys get 403 (managing keys; browser-only flows). */
      apiKeys?: false;
    };

export interface Actor {
  userId: string;
  email: string;
  name: string;
  role: Role;
  account: Pick<TargetAccount, "id" | "kind" | "name" | "path">;
  sessionIdHash: string;
  csrfToken: string;
  /** The account requires two-factor authentication and this user has not enrolled: only `session` routes work. */
  twoFactorSetupRequired: boolean;
  /**
   * Set when an API key acts (`Authorization: Bearer`): `userId` is then the key's id and `email` reads
   * "API key <name>" (what the audit log shows); there is no session or CSRF token.
   */
  apiKey?: { id: string; name: string };
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** The `:accountId` account, set once access is granted on `account` routes. */
    targetAccount: TargetAccount | null;
  }
}

/**
 * The `:accountId` account of an `account` route, which the access gate checked and set. Throws (a 500) when
 * the gate did not run, i.e. the route does not declare `account` access: a programming error, never a 4xx.
 */
export function targetAccountOf(request: FastifyRequest): TargetAccount {
  if (!request.targetAccount) {
    throw new Error(
      `${request.method} ${request.routeOptions.url}: no target account (declare account access)`,
    );
  }
  return request.targetAccount;
}

export interface RegisteredRoute {
  method: string;
  url: string;
  access: Access;
}

export type AccountLookup = (accountId: string) => Promise<TargetAccount | undefined>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerAccessControl(app: FastifyInstance, findAccount: AccountLookup): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.decorateRequest("actor", null);
  app.decorateRequest("targetAccount", null);

  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith("/api/") || route.method === "HEAD") return;
    const access = route.config?.access;
    if (!access) throw new Error(`${String(route.method)} ${route.url} declares no config.access`);
    if (access.kind === "account" && !route.url.includes(":accountId")) {
      throw new Error(`${route.url}: account access needs an :accountId param`);
    }
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, access });
    // The OpenAPI document says which credentials each route accepts.
    if (access.kind !== "public") {
      const security = acceptsApiKeys(access) ? [...SESSION_SECURITY, { bearerAuth: [] }] : SESSION_SECURITY;
      route.schema = { ...route.schema, security };
    }
  });

  // Before body validation, so callers without access learn nothing from validation messages.
  app.addHook("preValidation", async (request) => {
    const access = request.routeOptions.config.access;
    if (!access || access.kind === "public") return;
    await authorize(request, access, findAccount);
  });
  return routes;
}

/** A signed-in browser: the session cookie, and the CSRF token on state-changing requests. */
const SESSION_SECURITY = [{ session: [], csrf: [] }];

export function acceptsApiKeys(access: Access): boolean {
  return access.kind === "account" && access.apiKeys !== false;
}

async function authorize(request: FastifyRequest, access: Access, findAccount: AccountLookup) {
  const actor = request.actor;
  if (!actor) throw Problem.unauthorized();
  if (actor.apiKey && access.kind === "session") {
    throw Problem.forbidden("API keys act on accounts; this route is about a signed-in portal user.");
  }
  if (access.kind !== "account") return;
  const accountId = (request.params as { accountId?: string }).accountId ?? "";
  // A foreign or malformed id answers 404, so ids of other tenants cannot be probed.
  const target = UUID.test(accountId) ? await findAccount(accountId) : undefined;
  // The actor acts on their own account and every account below it, never above or beside.
  if (!target?.path.startsWith(actor.account.path)) throw Problem.notFound("No such account.");
  if (!roleAllows(actor.role, access.permission)) throw Problem.forbidden();
  if (actor.apiKey && !acceptsApiKeys(access)) throw Problem.forbidden("API keys cannot use this route.");
  if (actor.twoFactorSetupRequired) {
    throw Problem.forbidden(
      "Your account requires two-factor authentication. Set it up under Settings › Security first.",
    );
  }
  request.targetAccount = target;
}
