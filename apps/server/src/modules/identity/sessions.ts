import { and, desc, eq, gt, lt, ne } from "drizzle-orm";
import { hashToken, randomToken } from "../../crypto/tokens.js";
import type { Executor } from "../../db/client.js";
import type { Actor } from "../../http/access.js";
import { accounts } from "../tenancy/index.js";
import { mustEnrolTwoFactor } from "./policies.js";
import { portalUsers, sessions } from "./schema.js";

export { SESSION_COOKIE } from "../../http/session-auth.js";

export interface SessionPolicy {
  idleMinutes: number;
  absoluteHours: number;
}

/** Server-side sessions; the cookie holds a random id and only its hash is stored. */
export function sessionStore(db: Executor, policy: SessionPolicy) {
  return {
    async create(userId: string, meta: { ip?: string; userAgent?: string }) {
      const cookieValue = randomToken();
      const csrfToken = randomToken(24);
      const expiresAt = new Date(Date.now() + policy.absoluteHours * 3_600_000);
      // Housekeeping: the user's sessions past their absolute lifetime go when a new one starts.
      await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, new Date())));
      await db.insert(sessions).values({
        idHash: hashToken(cookieValue),
        userId,
        csrfToken,
        expiresAt,
        ip: meta.ip ?? null,
        userAgent: meta.userAgent?.slice(0, 300) ?? null,
      });
      return { cookieValue, csrfToken, expiresAt };
    },

    /** Resolves a cookie to the acting user, enforcing idle and absolute expiry and account state. */
    async resolve(cookieValue: string): Promise<Actor | null> {
      const idHash = hashToken(cookieValue);
      const now = new Date();
      const [row] = await db
        .select({ session: sessions, user: portalUsers, account: accounts })
        .from(sessions)
        .innerJoin(portalUsers, eq(portalUsers.id, sessions.userId))
        .innerJoin(accounts, eq(accounts.id, portalUsers.accountId))
        .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)));
      if (!row) return null;
      const idleDeadline = row.session.lastSeenAt.getTime() + policy.idleMinutes * 60_000;
      if (idleDeadline < now.getTime() || row.user.status !== "active" || row.account.status !== "active") {
        await db.delete(sessions).where(eq(sessions.idHash, idHash));
        return null;
      }
      // Touch at most once a minute so reads stay cheap.
      if (now.getTime() - row.session.lastSeenAt.getTime() > 60_000) {
        await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash));
      }
      return {
        userId: row.user.id,
        email: row.user.email,
        name: row.user.name,
        role: row.user.role,
        account: {
          id: row.account.id,
          kind: row.account.kind,
          name: row.account.name,
          path: row.account.path,
        },
        sessionIdHash: idHash,
        csrfToken: row.session.csrfToken,
        twoFactorSetupRequired: mustEnrolTwoFactor(row.account, row.user),
      };
    },

    async revoke(idHash: string) {
      await db.delete(sessions).where(eq(sessions.idHash, idHash));
    },

    /** The user's live sessions (neither idle nor past their absolute lifetime), most recently used first. */
    async listOf(userId: string) {
      const now = Date.now();
      return db
        .select({
          publicId: sessions.publicId,
          idHash: sessions.idHash,
          ip: sessions.ip,
          userAgent: sessions.userAgent,
          createdAt: sessions.createdAt,
          lastSeenAt: sessions.lastSeenAt,
        })
        .from(sessions)
        .where(
          and(
            eq(sessions.userId, userId),
            gt(sessions.expiresAt, new Date(now)),
            gt(sessions.lastSeenAt, new Date(now - policy.idleMinutes * 60_000)),
          ),
        )
        .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt));
    },

    /** Ends one of the user's sessions by its public id; returns its id hash, or undefined if none matched. */
    async revokeByPublicId(userId: string, publicId: string): Promise<string | undefined> {
      const [row] = await db
        .delete(sessions)
        .where(and(eq(sessions.userId, userId), eq(sessions.publicId, publicId)))
        .returning({ idHash: sessions.idHash });
      return row?.idHash;
    },

    /** Revokes every session of a user, optionally keeping the current one; returns how many ended. */
    async revokeAllOf(userId: string, exceptIdHash?: string): Promise<number> {
      const rows = await db
        .delete(sessions)
        .where(
          exceptIdHash
            ? and(eq(sessions.userId, userId), ne(sessions.idHash, exceptIdHash))
            : eq(sessions.userId, userId),
        )
        .returning({ idHash: sessions.idHash });
      return rows.length;
    },
  };
}

export type SessionStore = ReturnType<typeof sessionStore>;
