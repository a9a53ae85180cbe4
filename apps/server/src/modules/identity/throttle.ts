import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
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
  /** Per username: 5 wrong passwords, then 1, 2, 4 … minutes (max 1 hour) until a success. */
  username: { limit: 5, windowSeconds: 24 * 3600, baseLockSeconds: 60, maxLockSeconds: 3600 },
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
  };
}

export type ThrottleStore = ReturnType<typeof throttleStore>;

export const throttleKeys = {
  username: (username: string) => `user:${username.trim().toLowerCase()}`,
  ip: (ip: string) => `ip:${ip}`,
  activationToken: (tokenHash: string) => `activation:${tokenHash}`,
  resetUsername: (username: string) => `reset-user:${username.trim().toLowerCase()}`,
  resetIp: (ip: string) => `reset-ip:${ip}`,
};
