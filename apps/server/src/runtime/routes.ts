import type { FastifyInstance } from "fastify";
import { auditRoutes } from "../modules/audit/index.js";
import { brandingRoutes } from "../modules/branding/index.js";
import { bulkImportRoutes } from "../modules/bulk-import/index.js";
import { callLogsRoutes } from "../modules/call-logs/index.js";
import { dashboardRoutes } from "../modules/dashboard/index.js";
import {
  carrierTrunkRoutes,
  directRoutingSetupRoutes,
  onboardingDashboard,
} from "../modules/direct-routing-setup/index.js";
import { enterpriseRoutes } from "../modules/enterprises/index.js";
import { healthRoutes } from "../modules/health/index.js";
import {
  authRoutes,
  microsoftSignInRoutes,
  sessionRoutes,
  twoFactorRoutes,
  userRoutes,
} from "../modules/identity/index.js";
import { devMailboxRoutes } from "../modules/mail/index.js";
import { microsoftRoutes } from "../modules/microsoft/index.js";
import { numbersRoutes } from "../modules/numbers/index.js";
import { operatorSettingsRoutes, sbcRegionRoutes } from "../modules/operator-settings/index.js";
import { pbxDirectoryRoutes } from "../modules/pbx-directory/index.js";
import { preflightRoutes } from "../modules/preflight/index.js";
import { sbcRoutes } from "../modules/sbc/index.js";
import { teamsProfileRoutes } from "../modules/teams-profiles/index.js";
import { teamsUsersDashboard, teamsUsersRoutes } from "../modules/teams-users/index.js";
import { tenancyDashboard, tenancyRoutes } from "../modules/tenancy/index.js";
import { trunkRoutes } from "../modules/trunks/index.js";
import { usageRoutes } from "../modules/usage/index.js";
import { webhookRoutes } from "../modules/webhooks/index.js";
import type { AppDeps } from "./app-deps.js";
import { onboardingHooks } from "./onboarding-hooks.js";

/** The one place where every module's routes are wired to their dependencies. */
export async function registerRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(healthRoutes(deps));
  await app.register(sessionRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(microsoftSignInRoutes(deps));
  await app.register(twoFactorRoutes(deps));
  await app.register(userRoutes(deps));
  await app.register(tenancyRoutes(deps));
  await app.register(auditRoutes(deps));
  const onboarding = { ...deps, ...onboardingHooks(deps) };
  await app.register(operatorSettingsRoutes(onboarding));
  await app.register(sbcRegionRoutes(onboarding));
  await app.register(carrierTrunkRoutes(onboarding));
  await app.register(enterpriseRoutes(onboarding));
  await app.register(trunkRoutes(onboarding));
  await app.register(teamsProfileRoutes(onboarding));
  await app.register(microsoftRoutes(onboarding));
  await app.register(directRoutingSetupRoutes(onboarding));
  await app.register(teamsUsersRoutes(deps));
  await app.register(numbersRoutes(deps));
  await app.register(pbxDirectoryRoutes(deps));
  await app.register(bulkImportRoutes(deps));
  await app.register(sbcRoutes(deps));
  await app.register(callLogsRoutes(deps));
  await app.register(preflightRoutes(deps));
  await app.register(usageRoutes(deps));
  await app.register(webhookRoutes(deps));
  await app.register(brandingRoutes(deps));
  await app.register(dashboardRoutes(deps, [tenancyDashboard, onboardingDashboard, teamsUsersDashboard]));
  if (deps.mailer.transport === "outbox") await app.register(devMailboxRoutes(deps.db));
}
