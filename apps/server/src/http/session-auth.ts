import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { constantTimeEqual } from "../crypto/tokens.js";
import type { Actor } from "./access.js";
import { Problem } from "./problem.js";

/** The session cookie: a random id whose hash identity's session store keeps. */
export const SESSION_COOKIE = "s2t_session";

/** Resolves a session cookie to the acting user (identity's `SessionStore` is one). */
export interface SessionResolver {
  resolve(cookieValue: string): Promise<Actor | null>;
}

/**
 * Resolves `Authorization: Bearer <API key>` to the key's actor (identity's API key authenticator is one).
 * Null when the key is unknown, revoked, expired, of a suspended account, or not allowed from `ip`.
 * Counting the request against the key's rate limit is part of resolving it.
 */
export interface ApiKeyResolver {
  resolve(key: string, ip: string): Promise<{ actor: Actor; rateLimit: RateLimitState } | null>;
}

/** A key's rate limit after counting this request. */
export interface RateLimitState {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
  /** Requests left in the current window (0 when this one was refused). */
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
  exceeded: boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const CSRF_HEADER = "x-csrf-token";

/**
 * Resolves the session cookie to `request.actor`, and guards state-changing requests against CSRF:
 * the Origin (when sent) must be the portal's own, and signed-in callers must echo their session's
 * CSRF token in the `x-csrf-token` header. A request with `Authorization` is resolved by the API key
 * resolver instead (never together with a session cookie: 400), with the key's rate limit headers.
 */
export function registerSessionAuth(
  app: FastifyInstance,
  store: SessionResolver,
  publicUrl: string,
  apiKeys?: ApiKeyResolver,
) {
  const allowedOrigin = new URL(publicUrl).origin;

  app.addHook("onRequest", async (request, reply) => {
    if (!request.url.startsWith("/api/")) return;
    const cookie = request.cookies[SESSION_COOKIE];
    if (request.headers.authorization !== undefined && apiKeys) {
      if (cookie) throw Problem.badRequest("Send either a session cookie or an API key, not both.");
      // A key is no ambient credential (a browser never adds it on its own): no CSRF token, no Origin check.
      request.actor = await resolveApiKey(request, reply, apiKeys);
      return;
    }
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

const BEARER = /^Bearer +([A-Za-z0-9_-]{1,200})$/;

async function resolveApiKey(request: FastifyRequest, reply: FastifyReply, apiKeys: ApiKeyResolver) {
  const match = BEARER.exec(request.headers.authorization ?? "");
  if (!match) throw Problem.unauthorized("Send the API key as `Authorization: Bearer <key>`.");
  const result = await apiKeys.resolve(match[1]!, request.ip);
  if (!result) {
    throw Problem.unauthorized(
      "The API key is not valid: unknown, revoked, expired, or not allowed from this address.",
    );
  }
  const { rateLimit } = result;
  // Header fields of draft-ietf-httpapi-ratelimit-headers-10 (September 2025): the policy (quota q per
  // window w seconds) and the current state (r remaining, t seconds until the window resets).
  reply.header("ratelimit-policy", `"per-key";q=${rateLimit.limit};w=${rateLimit.windowSeconds}`);
  reply.header("ratelimit", `"per-key";r=${rateLimit.remaining};t=${rateLimit.resetSeconds}`);
  if (rateLimit.exceeded) {
    reply.header("retry-after", String(rateLimit.resetSeconds));
    throw Problem.tooManyRequests(
      `This API key made more than ${rateLimit.limit} requests in ${rateLimit.windowSeconds} seconds. Retry after ${rateLimit.resetSeconds} seconds.`,
    );
  }
  return result.actor;
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
