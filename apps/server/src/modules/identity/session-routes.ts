import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { hashToken } from "../../crypto/tokens.js";
import type { Actor } from "../../http/access.js";
import type { AppDeps } from "../../http/app.js";
import { clearSessionCookie, setSessionCookie } from "../../http/session-auth.js";
import { recordAudit } from "../audit/repository.js";
import { requestAuditContext } from "../audit/service.js";
import { SESSION_COOKIE, sessionStore } from "./sessions.js";

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
    /** The account requires two-factor authentication and the user has not set it up yet. */
    twoFactorSetupRequired: z.boolean(),
  })
  .meta({ id: "Session" });

export type SessionView = z.infer<typeof sessionView>;

export function toSessionView(actor: Actor): SessionView {
  return {
    user: { id: actor.userId, email: actor.email, name: actor.name, role: actor.role },
    account: { id: actor.account.id, name: actor.account.name, kind: actor.account.kind },
    csrfToken: actor.csrfToken,
    twoFactorSetupRequired: actor.twoFactorSetupRequired,
  };
}

function storeFor(deps: Pick<AppDeps, "db" | "config">) {
  return sessionStore(deps.db, {
    idleMinutes: deps.config.SESSION_IDLE_MINUTES,
    absoluteHours: deps.config.SESSION_ABSOLUTE_HOURS,
  });
}

/**
 * Starts a fresh session for `userId` (a new random id every time; any session the browser
 * held before is revoked) and sets the cookie.
 */
export async function startSession(
  deps: Pick<AppDeps, "db" | "config">,
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
): Promise<SessionView> {
  const store = storeFor(deps);
  const previous = request.cookies[SESSION_COOKIE];
  if (previous) await store.revoke(hashToken(previous));
  const created = await store.create(userId, { ip: request.ip, userAgent: request.headers["user-agent"] });
  const secure = deps.config.publicUrl.startsWith("https://") || request.protocol === "https";
  setSessionCookie(reply, created.cookieValue, created.expiresAt, secure);
  const actor = await store.resolve(created.cookieValue);
  if (!actor) throw new Error("a session just created did not resolve");
  request.actor = actor;
  return toSessionView(actor);
}

/** The signed-in user's own session: who am I, sign out, sign out everywhere. */
export function sessionRoutes(deps: Pick<AppDeps, "db" | "config">): FastifyPluginAsyncZod {
  const store = storeFor(deps);
  return async (app) => {
    app.get(
      "/api/session",
      {
        config: { access: { kind: "session" } },
        schema: { tags: ["identity"], operationId: "getSession", response: { 200: sessionView } },
      },
      async (request) => toSessionView(request.actor!),
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

    app.post(
      "/api/session/sign-out-everywhere",
      {
        config: { access: { kind: "session" } },
        schema: {
          tags: ["identity"],
          operationId: "signOutEverywhere",
          description: "Revokes every session of the signed-in user, on every device, including this one.",
          response: { 204: z.undefined() },
        },
      },
      async (request, reply) => {
        const actor = request.actor!;
        await deps.db.transaction(async (tx) => {
          await sessionStore(tx, { idleMinutes: 1, absoluteHours: 1 }).revokeAllOf(actor.userId);
          await recordAudit(tx, requestAuditContext(request), {
            action: "session.signed-out-everywhere",
            accountId: actor.account.id,
            targetType: "user",
            targetId: actor.userId,
          });
        });
        clearSessionCookie(reply);
        return reply.code(204).send();
      },
    );
  };
}
