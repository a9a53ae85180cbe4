import type { FastifyInstance, FastifyReply } from "fastify";
import { constantTimeEqual } from "../crypto/tokens.js";
import type { Actor } from "./access.js";
import { Problem } from "./problem.js";

/** The session cookie: a random id whose hash identity's session store keeps. */
export const SESSION_COOKIE = "s2t_session";

/** Resolves a session cookie to the acting user (identity's `SessionStore` is one). */
export interface SessionResolver {
  resolve(cookieValue: string): Promise<Actor | null>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const CSRF_HEADER = "x-csrf-token";

/**
 * Resolves the session cookie to `request.actor`, and guards state-changing requests against CSRF:
 * the Origin (when sent) must be the portal's own, and signed-in callers must echo their session's
 * CSRF token in the `x-csrf-token` header.
 */
export function registerSessionAuth(app: FastifyInstance, store: SessionResolver, publicUrl: string) {
  const allowedOrigin = new URL(publicUrl).origin;

  app.addHook("onRequest", async (request) => {
    if (!request.url.startsWith("/api/")) return;
    const cookie = request.cookies[SESSION_COOKIE];
    request.actor = cookie ? await store.resolve(cookie) : null;

    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin && origin !== allowedOrigin && origin !== `${request.protocol}://${request.host}`) {
      throw Problem.forbidden("Cross-origin request refused.");
    }
    if (request.actor) {
      const token = request.headers[CSRF_HEADER];
      if (typeof token !== "string" || !constantTimeEqual(token, request.actor.csrfToken)) {
        throw Problem.forbidden("Missing or invalid CSRF token. Reload the page and try again.");
      }
    }
  });
}

export function setSessionCookie(reply: FastifyReply, value: string, expiresAt: Date, secure: boolean) {
  reply.setCookie(SESSION_COOKIE, value, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure,
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
}
