import type { FastifyInstance } from "fastify";
import { auditRoutes } from "../modules/audit/routes.js";
import { dashboardRoutes } from "../modules/dashboard/routes.js";
import { healthRoutes } from "../modules/health/routes.js";
import { authRoutes } from "../modules/identity/auth-routes.js";
import { sessionRoutes } from "../modules/identity/session-routes.js";
import { twoFactorRoutes } from "../modules/identity/two-factor-routes.js";
import { userRoutes } from "../modules/identity/user-routes.js";
import { devMailboxRoutes } from "../modules/mail/routes.js";
import { tenancyDashboard } from "../modules/tenancy/dashboard.js";
import { tenancyRoutes } from "../modules/tenancy/routes.js";
import type { AppDeps } from "./app.js";

/** The one place where every module's routes are wired to their dependencies. */
export async function registerRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(healthRoutes(deps));
  await app.register(sessionRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(twoFactorRoutes(deps));
  await app.register(userRoutes(deps));
  await app.register(tenancyRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(dashboardRoutes(deps, [tenancyDashboard]));
  if (deps.mailer.transport === "outbox") await app.register(devMailboxRoutes(deps.db));
}
