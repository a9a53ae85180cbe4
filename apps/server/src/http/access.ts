import type { FastifyInstance, FastifyRequest } from "fastify";
import type { PortalRole } from "../modules/identity/schema.js";
import { type Permission, reaches, roleAllows } from "../modules/tenancy/policies.js";
import type { Account } from "../modules/tenancy/schema.js";
import { Problem } from "./problem.js";

/**
 * Every /api route declares its access in `config.access`:
 * - `public`: anyone (sign-in, activation, health…)
 * - `session`: any signed-in user, about themselves
 * - `account`: the route has an `:accountId` param; the actor must reach that account and hold `permission`
 * A route without a declaration fails at registration, so none can be forgotten.
 */
export type Access = { kind: "public" } | { kind: "session" } | { kind: "account"; permission: Permission };

export interface Actor {
  userId: string;
  email: string;
  name: string;
  role: PortalRole;
  account: Pick<Account, "id" | "kind" | "name" | "path">;
  sessionIdHash: string;
  csrfToken: string;
  /** The account requires two-factor authentication and this user has not enrolled: only `session` routes work. */
  twoFactorSetupRequired: boolean;
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** The `:accountId` account, set once access is granted on `account` routes. */
    targetAccount: Account | null;
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
  access: Access;
}

export type AccountLookup = (accountId: string) => Promise<Account | undefined>;

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
  });

  // Before body validation, so callers without access learn nothing from validation messages.
  app.addHook("preValidation", async (request) => {
    const access = request.routeOptions.config.access;
    if (!access || access.kind === "public") return;
    await authorize(request, access, findAccount);
  });
  return routes;
}

async function authorize(request: FastifyRequest, access: Access, findAccount: AccountLookup) {
  const actor = request.actor;
  if (!actor) throw Problem.unauthorized();
  if (access.kind !== "account") return;
  const accountId = (request.params as { accountId?: string }).accountId ?? "";
  // A foreign or malformed id answers 404, so ids of other tenants cannot be probed.
  const target = UUID.test(accountId) ? await findAccount(accountId) : undefined;
  if (!target || !reaches(actor.account, target)) throw Problem.notFound("No such account.");
  if (!roleAllows(actor.role, access.permission)) throw Problem.forbidden();
  if (actor.twoFactorSetupRequired) {
    throw Problem.forbidden(
      "Your account requires two-factor authentication. Set it up under Settings › Security first.",
    );
  }
  request.targetAccount = target;
}
