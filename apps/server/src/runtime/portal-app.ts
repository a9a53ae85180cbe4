import type { FastifyInstance } from "fastify";
import type { RegisteredRoute } from "../http/access.js";
import { buildApp } from "../http/app.js";
import { idempotencyStore } from "../http/idempotency-store.js";
import { apiKeyResolver, sessionStore } from "../modules/identity/index.js";
import { accountRepository } from "../modules/tenancy/index.js";
import type { AppDeps } from "./app-deps.js";
import { registerRoutes } from "./routes.js";

/**
 * The portal's HTTP app: the platform's `buildApp` given identity's session store, tenancy's account
 * lookup and the route registry. The HTTP platform itself imports no module.
 */
export function buildPortalApp(deps: AppDeps): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const accounts = accountRepository(deps.db);
  return buildApp({
    config: deps.config,
    log: deps.log,
    sessions: sessionStore(deps.db, {
      idleMinutes: deps.config.SESSION_IDLE_MINUTES,
      absoluteHours: deps.config.SESSION_ABSOLUTE_HOURS,
    }),
    apiKeys: apiKeyResolver(deps.db, { requestsPerMinute: deps.config.API_KEY_RATE_LIMIT_PER_MINUTE }),
    idempotency: idempotencyStore(deps.db, deps.secrets),
    findAccount: (id) => accounts.findById(id),
    registerRoutes: (app) => registerRoutes(app, deps),
  });
}
