import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { TeamsUsersJobDeps } from "./jobs.js";
import type { UserServiceDeps } from "./users/service.js";

/** The Fastify instance a users route is registered on (zod type provider). */
export type RouteApp = Parameters<FastifyPluginAsyncZod>[0];

/** What the users routes need: the app's dependencies and the services' narrowed ones. */
export interface RouteContext {
  deps: TeamsUsersJobDeps;
  services: UserServiceDeps;
}
