import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { registerCallingRoutes } from "./calling/routes.js";
import { registerDeviceRoutes } from "./devices/routes.js";
import { registerDirectoryRoutes } from "./directory/routes.js";
import type { TeamsUsersJobDeps } from "./jobs.js";
import { provisioningQueue } from "./jobs.js";
import type { RouteContext } from "./route-context.js";
import { registerUserRoutes } from "./users/routes.js";

export { auditContext, enterpriseOf } from "./request-context.js";

/** Every users route of an enterprise (`/api/accounts/:accountId/teams-users…`), grouped by job. */
export function teamsUsersRoutes(deps: TeamsUsersJobDeps): FastifyPluginAsyncZod {
  const context: RouteContext = {
    deps,
    services: {
      db: deps.db,
      secrets: deps.secrets,
      jobs: provisioningQueue(deps.jobs),
      numberQuarantineDays: deps.config.NUMBER_QUARANTINE_DAYS,
    },
  };
  return async (app) => {
    registerDirectoryRoutes(app, context);
    registerUserRoutes(app, context);
    registerDeviceRoutes(app, context);
    registerCallingRoutes(app, context);
  };
}
