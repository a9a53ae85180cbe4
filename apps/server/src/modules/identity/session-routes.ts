import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { clearSessionCookie } from "../../http/session-auth.js";
import { sessionStore } from "./sessions.js";

export const sessionView = z
  .object({
    user: z.object({
      id: z.uuid(),
      email: z.string(),
      name: z.string(),
      role: z.enum(["Admin", "User", "Read-only"]),
    }),
    account: z.object({
      id: z.uuid(),
      name: z.string(),
      kind: z.enum(["operator", "partner", "enterprise"]),
    }),
    csrfToken: z.string(),
  })
  .meta({ id: "Session" });

/** The signed-in user's own session: who am I, and sign out. */
export function sessionRoutes(deps: Pick<AppDeps, "db" | "config">): FastifyPluginAsyncZod {
  const store = sessionStore(deps.db, {
    idleMinutes: deps.config.SESSION_IDLE_MINUTES,
    absoluteHours: deps.config.SESSION_ABSOLUTE_HOURS,
  });
  return async (app) => {
    app.get(
      "/api/session",
      {
        config: { access: { kind: "session" } },
        schema: { tags: ["identity"], operationId: "getSession", response: { 200: sessionView } },
      },
      async (request) => {
        const actor = request.actor!;
        return {
          user: { id: actor.userId, email: actor.email, name: actor.name, role: actor.role },
          account: { id: actor.account.id, name: actor.account.name, kind: actor.account.kind },
          csrfToken: actor.csrfToken,
        };
      },
    );

    app.post(
      "/api/session/sign-out",
      {
        config: { access: { kind: "session" } },
        schema: { tags: ["identity"], operationId: "signOut", response: { 204: z.undefined() } },
      },
      async (request, reply) => {
        await store.revoke(request.actor!.sessionIdHash);
        clearSessionCookie(reply);
        return reply.code(204).send();
      },
    );
  };
}
