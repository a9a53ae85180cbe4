import type { FastifyInstance } from "fastify";
import { auditRoutes } from "../modules/audit/routes.js";
import { bulkImportRoutes } from "../modules/bulk-import/routes.js";
import { dashboardRoutes } from "../modules/dashboard/routes.js";
import { directRoutingSetupRoutes } from "../modules/direct-routing-setup/routes.js";
import { onboardingDashboard } from "../modules/enterprises/dashboard.js";
import { enterpriseRoutes } from "../modules/enterprises/routes.js";
import { healthRoutes } from "../modules/health/routes.js";
import { authRoutes } from "../modules/identity/auth-routes.js";
import { sessionRoutes } from "../modules/identity/session-routes.js";
import { twoFactorRoutes } from "../modules/identity/two-factor-routes.js";
import { userRoutes } from "../modules/identity/user-routes.js";
import { devMailboxRoutes } from "../modules/mail/routes.js";
import { microsoftRoutes } from "../modules/microsoft/routes.js";
import { numbersRoutes } from "../modules/numbers/routes.js";
import { operatorSettingsRoutes } from "../modules/operator-settings/routes.js";
import { sbcRoutes } from "../modules/sbc/routes.js";
import { teamsProfileRoutes } from "../modules/teams-profiles/routes.js";
import { teamsUsersDashboard } from "../modules/teams-users/dashboard.js";
import { teamsUsersRoutes } from "../modules/teams-users/routes.js";
import { tenancyDashboard } from "../modules/tenancy/dashboard.js";
import { tenancyRoutes } from "../modules/tenancy/routes.js";
import { trunkRoutes } from "../modules/trunks/routes.js";
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
  await app.register(operatorSettingsRoutes(deps));
  await app.register(enterpriseRoutes(deps));
  await app.register(trunkRoutes(deps));
  await app.register(teamsProfileRoutes(deps));
  await app.register(microsoftRoutes(deps));
  await app.register(directRoutingSetupRoutes(deps));
  await app.register(teamsUsersRoutes(deps));
  await app.register(numbersRoutes(deps));
  await app.register(bulkImportRoutes(deps));
  await app.register(sbcRoutes(deps));
  await app.register(dashboardRoutes(deps, [tenancyDashboard, onboardingDashboard, teamsUsersDashboard]));
  if (deps.mailer.transport === "outbox") await app.register(devMailboxRoutes(deps.db));
}
