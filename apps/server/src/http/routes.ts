import type { FastifyInstance } from "fastify";
import { healthRoutes } from "../modules/health/routes.js";
import { devMailboxRoutes } from "../modules/mail/routes.js";
import type { AppDeps } from "./app.js";

/** The one place where every module's routes are wired to their dependencies. */
export async function registerRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(healthRoutes(deps));
  if (deps.mailer.transport === "outbox") await app.register(devMailboxRoutes(deps.db));
}
