import type { Executor } from "../../../db/client.js";
import type { Actor } from "../../../http/access.js";
import type { ApiKeyResolver, RateLimitState } from "../../../http/session-auth.js";
import { ipAllowed } from "./ip-ranges.js";
import { parseKey, secretMatches } from "./key-material.js";
import { type ApiKeyRepository, apiKeyRepository } from "./repository.js";

const WINDOW_SECONDS = 60;

/** What a key's actor is called wherever an actor's name or email shows (the audit log's actor column). */
export const apiKeyActorName = (name: string) => `API key ${name}`;

/**
 * `Authorization: Bearer` → the key's actor, for the HTTP layer (`http/session-auth.ts`). The key row is read
 * on every request, so revoking, expiry, IP ranges and the account's suspension apply to the next request in
 * every process. Each request is counted in the key's one-minute window in PostgreSQL.
 */
export function apiKeyAuthenticator(
  deps: { keys: Pick<ApiKeyRepository, "findForAuthentication" | "touchLastUsed" | "countRequest"> },
  policy: { requestsPerMinute: number },
): ApiKeyResolver {
  return {
    async resolve(presented, ip) {
      const parsed = parseKey(presented);
      if (!parsed) return null;
      const row = await deps.keys.findForAuthentication(parsed.publicId);
      if (!row || !secretMatches(parsed.secret, row.key.secretHash)) return null;
      const now = new Date();
      const { key, account } = row;
      if (key.revokedAt || (key.expiresAt && key.expiresAt <= now) || account.status !== "active")
        return null;
      if (!ipAllowed(ip, key.allowedIpRanges)) return null;

      const rateLimit = await count(key.id, now);
      if (!rateLimit.exceeded) await deps.keys.touchLastUsed(key.id, now);
      const actor: Actor = {
        userId: key.id,
        email: apiKeyActorName(key.name),
        name: apiKeyActorName(key.name),
        role: key.role,
        account: { id: account.id, kind: account.kind, name: account.name, path: account.path },
        sessionIdHash: "",
        csrfToken: "",
        twoFactorSetupRequired: false,
        apiKey: { id: key.id, name: key.name },
      };
      return { actor, rateLimit };
    },
  };

  async function count(keyId: string, now: Date): Promise<RateLimitState> {
    const windowMs = WINDOW_SECONDS * 1000;
    const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const requests = await deps.keys.countRequest(keyId, windowStart);
    const limit = policy.requestsPerMinute;
    return {
      limit,
      windowSeconds: WINDOW_SECONDS,
      remaining: Math.max(0, limit - requests),
      resetSeconds: Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000)),
      exceeded: requests > limit,
    };
  }
}

/** The authenticator on the database (what the composition root hands the HTTP layer). */
export function apiKeyResolver(db: Executor, policy: { requestsPerMinute: number }): ApiKeyResolver {
  return apiKeyAuthenticator({ keys: apiKeyRepository(db) }, policy);
}
