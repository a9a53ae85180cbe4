import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { hashToken } from "../../crypto/tokens.js";
import type { Executor } from "../../db/client.js";
import type { Actor } from "../../http/access.js";
import { Problem, problemSchema } from "../../http/problem.js";
import { clearSessionCookie, setSessionCookie } from "../../http/session-auth.js";
import { recordAudit, requestAuditContext } from "../audit/index.js";
import type { IdentityDeps } from "./service.js";
import { SESSION_COOKIE, sessionStore } from "./sessions.js";
import { describeDevice } from "./user-agent.js";

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

/** One row of the Sessions list. `id` is the session's public id, never the cookie value or its hash. */
export const sessionListItem = z
  .object({
    id: z.uuid(),
    /** Browser and operating system read from the User-Agent, e.g. "Chrome on Linux". */
    device: z.string(),
    ip: z.string().nullable(),
    createdAt: z.string(),
    /** Updated at most once a minute while the session is used. */
    lastUsedAt: z.string(),
    /** The session of the request itself ("This device"). */
    current: z.boolean(),
  })
  .meta({ id: "SessionListItem" });

export const endedSessionsView = z.object({ endedSessions: z.number().int() }).meta({ id: "EndedSessions" });

function storeFor(deps: Pick<IdentityDeps, "config"> & { db: Executor }) {
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
  deps: Pick<IdentityDeps, "db" | "config">,
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

/** The signed-in user's own sessions: who am I, the Sessions list, ending sessions, sign out (everywhere). */
export function sessionRoutes(deps: Pick<IdentityDeps, "db" | "config">): FastifyPluginAsyncZod {
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
          await storeFor({ db: tx, config: deps.config }).revokeAllOf(actor.userId);
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

    app.get(
      "/api/session/sessions",
      {
        config: { access: { kind: "session" } },
        schema: {
          tags: ["identity"],
          operationId: "listMySessions",
          description: "Every live session of the signed-in user, most recently used first.",
          response: { 200: z.object({ items: z.array(sessionListItem) }) },
        },
      },
      async (request) => {
        const actor = request.actor!;
        const rows = await store.listOf(actor.userId);
        return {
          items: rows.map((row) => ({
            id: row.publicId,
            device: describeDevice(row.userAgent),
            ip: row.ip,
            createdAt: row.createdAt.toISOString(),
            lastUsedAt: row.lastSeenAt.toISOString(),
            current: row.idHash === actor.sessionIdHash,
          })),
        };
      },
    );

    app.delete(
      "/api/session/sessions/:sessionId",
      {
        config: { access: { kind: "session" } },
        schema: {
          tags: ["identity"],
          operationId: "endMySession",
          description:
            "Ends one of the signed-in user's sessions: its browser is signed out on its next request. " +
            "Ending the current session signs this browser out.",
          params: z.object({ sessionId: z.uuid("Not a session id.") }),
          response: { 204: z.undefined(), 400: problemSchema, 404: problemSchema },
        },
      },
      async (request, reply) => {
        const actor = request.actor!;
        const ended = await deps.db.transaction(async (tx) => {
          const idHash = await storeFor({ db: tx, config: deps.config }).revokeByPublicId(
            actor.userId,
            request.params.sessionId,
          );
          if (!idHash) return undefined;
          await recordAudit(tx, requestAuditContext(request), {
            action: "session.ended",
            accountId: actor.account.id,
            targetType: "user",
            targetId: actor.userId,
          });
          return idHash;
        });
        // Someone else's session looks exactly like one that does not exist.
        if (!ended) throw Problem.notFound("No such session.");
        if (ended === actor.sessionIdHash) clearSessionCookie(reply);
        return reply.code(204).send();
      },
    );

    app.post(
      "/api/session/sessions/end-others",
      {
        config: { access: { kind: "session" } },
        schema: {
          tags: ["identity"],
          operationId: "endMyOtherSessions",
          description: "Ends every session of the signed-in user except the current one.",
          response: { 200: endedSessionsView },
        },
      },
      async (request) => {
        const actor = request.actor!;
        const endedSessions = await deps.db.transaction(async (tx) => {
          const count = await storeFor({ db: tx, config: deps.config }).revokeAllOf(
            actor.userId,
            actor.sessionIdHash,
          );
          await recordAudit(tx, requestAuditContext(request), {
            action: "session.ended-others",
            accountId: actor.account.id,
            targetType: "user",
            targetId: actor.userId,
            after: { endedSessions: count },
          });
          return count;
        });
        return { endedSessions };
      },
    );
  };
}
