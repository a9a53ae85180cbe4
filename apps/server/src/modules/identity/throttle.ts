import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { Problem } from "../../http/problem.js";
import { authThrottle } from "./schema.js";

/**
 * A failure budget: `limit` failures within `windowSeconds`; from then on every further failure
 * locks the key for `baseLockSeconds`, doubling each time, up to `maxLockSeconds`.
 */
export interface ThrottleRule {
  limit: number;
  windowSeconds: number;
  baseLockSeconds: number;
  maxLockSeconds: number;
}

export const THROTTLE_RULES = {
  /**
   * Per (username, client IP): 5 failures, then 1, 2, 4 … minutes (max 1 hour) until a success. Only the
   * failing client is locked, so nobody can lock another person out from their own client.
   */
  usernameClient: { limit: 5, windowSeconds: 24 * 3600, baseLockSeconds: 60, maxLockSeconds: 3600 },
  /**
   * Per username, from every client: 10 failures, then a slow-down of 30 s, 60 s, 120 s (max). While it
   * runs, attempts without a second factor are not even evaluated; a correct password with a valid
   * second factor still signs in (see `service.ts: signIn`).
   */
  usernameSlowdown: { limit: 10, windowSeconds: 24 * 3600, baseLockSeconds: 30, maxLockSeconds: 120 },
  /** Wrong second-factor codes after a correct password (only the password holder can cause these). */
  secondFactor: { limit: 5, windowSeconds: 24 * 3600, baseLockSeconds: 300, maxLockSeconds: 3600 },
  /** Per IP address: 20 failures within 15 minutes, then 5, 10 … minutes (max 1 hour). */
  ip: { limit: 20, windowSeconds: 15 * 60, baseLockSeconds: 300, maxLockSeconds: 3600 },
  /** Wrong temporary passwords for one activation link. */
  activationToken: { limit: 5, windowSeconds: 24 * 3600, baseLockSeconds: 900, maxLockSeconds: 3600 },
  /** Password-reset emails per username: 3 an hour (further requests are silently dropped). */
  resetUsername: { limit: 3, windowSeconds: 3600, baseLockSeconds: 3600, maxLockSeconds: 3600 },
  /** Password-reset requests per IP: 10 an hour. */
  resetIp: { limit: 10, windowSeconds: 3600, baseLockSeconds: 3600, maxLockSeconds: 3600 },
} satisfies Record<string, ThrottleRule>;

export interface FailureOutcome {
  failures: number;
  lockedUntil: Date | null;
  /** True when this failure started a lock (worth an audit entry). */
  newlyLocked: boolean;
}

/** Failure counters in Postgres, so every API process sees the same budget. */
export function throttleStore(db: Executor) {
  return {
    /** The latest lock among `keys` that is still running, or null. */
    async lockedUntil(keys: string[]): Promise<Date | null> {
      if (keys.length === 0) return null;
      const rows = await db
        .select({ lockedUntil: authThrottle.lockedUntil })
        .from(authThrottle)
        .where(inArray(authThrottle.key, keys));
      const now = Date.now();
      const active = rows.map((r) => r.lockedUntil?.getTime() ?? 0).filter((t) => t > now);
      return active.length > 0 ? new Date(Math.max(...active)) : null;
    },

    /** Counts one failure for `key` atomically and locks it once the rule's budget is spent. */
    async fail(key: string, rule: ThrottleRule): Promise<FailureOutcome> {
      const windowExpired = sql`${authThrottle.windowStartedAt} < now() - make_interval(secs => ${rule.windowSeconds})`;
      const [row] = await db
        .insert(authThrottle)
        .values({ key, failures: 1 })
        .onConflictDoUpdate({
          target: authThrottle.key,
          set: {
            failures: sql`case when ${windowExpired} then 1 else ${authThrottle.failures} + 1 end`,
            windowStartedAt: sql`case when ${windowExpired} then now() else ${authThrottle.windowStartedAt} end`,
            updatedAt: sql`now()`,
          },
        })
        .returning({ failures: authThrottle.failures, lockedUntil: authThrottle.lockedUntil });
      // Now and then, forget counters nobody has touched for two days (and whose lock has ended).
      if (Math.random() < 0.01) {
        const stale = new Date(Date.now() - 2 * 86_400_000);
        await db
          .delete(authThrottle)
          .where(
            and(
              lt(authThrottle.updatedAt, stale),
              or(isNull(authThrottle.lockedUntil), lt(authThrottle.lockedUntil, new Date())),
            ),
          );
      }
      const failures = row!.failures;
      if (failures < rule.limit) return { failures, lockedUntil: null, newlyLocked: false };
      const seconds = Math.min(rule.baseLockSeconds * 2 ** (failures - rule.limit), rule.maxLockSeconds);
      const lockedUntil = new Date(Date.now() + seconds * 1000);
      await db.update(authThrottle).set({ lockedUntil }).where(eq(authThrottle.key, key));
      return { failures, lockedUntil, newlyLocked: true };
    },

    async clear(key: string) {
      await db.delete(authThrottle).where(eq(authThrottle.key, key));
    },

    /** Forgets every counter whose key starts with `prefix` (e.g. all clients of one username). */
    async clearPrefix(prefix: string) {
      await db.delete(authThrottle).where(sql`starts_with(${authThrottle.key}, ${prefix})`);
    },
  };
}

export type ThrottleStore = ReturnType<typeof throttleStore>;

const usernameClients = (username: string) => `user-client:${username.trim().toLowerCase()}|`;

export const throttleKeys = {
  username: (username: string) => `user:${username.trim().toLowerCase()}`,
  usernameClient: (username: string, ip: string) => `${usernameClients(username)}${ip}`,
  /** The prefix shared by the (username, client) keys of one username. */
  usernameClients,
  secondFactor: (userId: string) => `second-factor:${userId}`,
  ip: (ip: string) => `ip:${ip}`,
  activationToken: (tokenHash: string) => `activation:${tokenHash}`,
  resetUsername: (username: string) => `reset-user:${username.trim().toLowerCase()}`,
  resetIp: (ip: string) => `reset-ip:${ip}`,
};

/** The answer to a locked key: how long to wait, in whole minutes. */
export function tooMany(until: Date): Problem {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return Problem.tooManyRequests(
    `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
  );
}
