import { and, asc, count, eq, gt, isNotNull, isNull, lt, ne, or, sql } from "drizzle-orm";
import { hashToken } from "../../crypto/tokens.js";
import type { Executor } from "../../db/client.js";
import { afterKeyset, keysetOrder } from "../../db/keyset.js";
import { type Account, accounts, type TenantScope } from "../tenancy/index.js";
import { type PortalUser, portalUsers, recoveryCodes, sessions, userTokens } from "./schema.js";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * An activated user: active, or once active (has a password) and now disabled. Invited users who never
 * activated are not; the unique email index (`schema.ts`) covers exactly the activated ones.
 */
const activated = or(eq(portalUsers.status, "active"), isNotNull(portalUsers.passwordHash))!;

/**
 * Portal users. An Admin's reads and changes take a scope and touch only the users of the scope's own
 * account (user management never reaches users of accounts below); lookups by credentials (email, token,
 * the signed-in user's own id) and the user's own changes are the unscoped exceptions.
 */
export function userRepository(db: Executor) {
  return {
    /**
     * The activated user who signs in with `email`. At most one exists (unique index);
     * invitations not yet activated may share an address and are never found here.
     */
    async findByEmail(email: string): Promise<{ user: PortalUser; account: Account } | undefined> {
      const [row] = await db
        .select({ user: portalUsers, account: accounts })
        .from(portalUsers)
        .innerJoin(accounts, eq(accounts.id, portalUsers.accountId))
        .where(and(eq(sql`lower(${portalUsers.email})`, normalizeEmail(email)), activated));
      return row;
    },

    /** Whether an activated user other than `exceptUserId` signs in with `email`. */
    async emailActivatedElsewhere(email: string, exceptUserId: string): Promise<boolean> {
      const [row] = await db
        .select({ n: count() })
        .from(portalUsers)
        .where(
          and(
            eq(sql`lower(${portalUsers.email})`, normalizeEmail(email)),
            activated,
            ne(portalUsers.id, exceptUserId),
          ),
        );
      return (row?.n ?? 0) > 0;
    },

    /** Whether the scope's account itself has a user (any status) with `email`: the Admin sees that list anyway. */
    async emailInAccount(scope: TenantScope, email: string, tx: Executor = db): Promise<boolean> {
      const [row] = await tx
        .select({ n: count() })
        .from(portalUsers)
        .where(
          and(
            eq(portalUsers.accountId, scope.accountId),
            eq(sql`lower(${portalUsers.email})`, normalizeEmail(email)),
          ),
        );
      return (row?.n ?? 0) > 0;
    },

    /** Whether any user, anywhere, has `email` (operator bootstrap only; never answer this to a caller). */
    async emailInUse(email: string): Promise<boolean> {
      const [row] = await db
        .select({ n: count() })
        .from(portalUsers)
        .where(eq(sql`lower(${portalUsers.email})`, normalizeEmail(email)));
      return (row?.n ?? 0) > 0;
    },

    async findById(id: string): Promise<PortalUser | undefined> {
      const [row] = await db.select().from(portalUsers).where(eq(portalUsers.id, id));
      return row;
    },

    /** A user of exactly the scope's account; other accounts' users are invisible (the caller answers 404). */
    async findInAccount(
      scope: TenantScope,
      userId: string,
      tx: Executor = db,
    ): Promise<PortalUser | undefined> {
      const [row] = await tx
        .select()
        .from(portalUsers)
        .where(and(eq(portalUsers.accountId, scope.accountId), eq(portalUsers.id, userId)));
      return row;
    },

    /** A bare account id is accepted for `microsoft/tenant-change-notice.ts` until it reads `userDirectory`. */
    async listInAccount(
      scope: Pick<TenantScope, "accountId"> | string,
      tx: Executor = db,
    ): Promise<PortalUser[]> {
      const accountId = typeof scope === "string" ? scope : scope.accountId;
      return tx
        .select()
        .from(portalUsers)
        .where(eq(portalUsers.accountId, accountId))
        .orderBy(asc(portalUsers.name), asc(portalUsers.email));
    },

    /** A page of the account's users by name (then id): `limit` rows after `after`. */
    async pageInAccount(
      scope: TenantScope,
      page: { after?: readonly [string, string]; limit: number },
      tx: Executor = db,
    ): Promise<PortalUser[]> {
      const keys = [portalUsers.name, portalUsers.id];
      return tx
        .select()
        .from(portalUsers)
        .where(and(eq(portalUsers.accountId, scope.accountId), page.after && afterKeyset(keys, page.after)))
        .orderBy(...keysetOrder(keys))
        .limit(page.limit);
    },

    async countOtherActiveAdmins(
      scope: TenantScope,
      exceptUserId: string,
      tx: Executor = db,
    ): Promise<number> {
      const [row] = await tx
        .select({ n: count() })
        .from(portalUsers)
        .where(
          and(
            eq(portalUsers.accountId, scope.accountId),
            eq(portalUsers.role, "Admin"),
            eq(portalUsers.status, "active"),
            ne(portalUsers.id, exceptUserId),
          ),
        );
      return row?.n ?? 0;
    },

    /** An Admin's change to a user of the scope's account; undefined when the user is not there. */
    async updateInAccount(
      scope: TenantScope,
      userId: string,
      values: Partial<typeof portalUsers.$inferInsert>,
      tx: Executor = db,
    ): Promise<PortalUser | undefined> {
      const [row] = await tx
        .update(portalUsers)
        .set({ ...values, updatedAt: new Date() })
        .where(and(eq(portalUsers.id, userId), eq(portalUsers.accountId, scope.accountId)))
        .returning();
      return row;
    },

    /** Deletes a user of the scope's account; false when the user is not there. */
    async deleteInAccount(scope: TenantScope, userId: string, tx: Executor = db): Promise<boolean> {
      const rows = await tx
        .delete(portalUsers)
        .where(and(eq(portalUsers.id, userId), eq(portalUsers.accountId, scope.accountId)))
        .returning({ id: portalUsers.id });
      return rows.length === 1;
    },

    /** Ends every session of a user of the scope's account; returns how many there were. */
    async revokeSessionsInAccount(scope: TenantScope, userId: string, tx: Executor = db): Promise<number> {
      const rows = await tx
        .delete(sessions)
        .where(
          and(
            eq(sessions.userId, userId),
            sql`${sessions.userId} in (select ${portalUsers.id} from ${portalUsers} where ${portalUsers.accountId} = ${scope.accountId})`,
          ),
        )
        .returning({ idHash: sessions.idHash });
      return rows.length;
    },

    async insert(values: typeof portalUsers.$inferInsert): Promise<PortalUser> {
      const [row] = await db.insert(portalUsers).values(values).returning();
      return row!;
    },

    /** The user's own change (sign-in, activation, password, two-factor): found by credentials, not by scope. */
    async update(userId: string, values: Partial<typeof portalUsers.$inferInsert>): Promise<PortalUser> {
      const [row] = await db
        .update(portalUsers)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(portalUsers.id, userId))
        .returning();
      return row!;
    },

    async delete(userId: string): Promise<void> {
      await db.delete(portalUsers).where(eq(portalUsers.id, userId));
    },

    /**
     * Accepts a TOTP time step once: moves `totp_last_step` forward only if `step` is newer. The row lock of
     * the update serializes concurrent sign-ins, so of several requests with one code exactly one gets true.
     */
    async acceptTotpStep(userId: string, step: number): Promise<boolean> {
      const rows = await db
        .update(portalUsers)
        .set({ totpLastStep: step, updatedAt: new Date() })
        .where(
          and(
            eq(portalUsers.id, userId),
            or(isNull(portalUsers.totpLastStep), lt(portalUsers.totpLastStep, step)),
          ),
        )
        .returning({ id: portalUsers.id });
      return rows.length === 1;
    },

    /** Ends every session of the user (their own password reset); returns how many there were. */
    async revokeSessions(userId: string): Promise<number> {
      const rows = await db
        .delete(sessions)
        .where(eq(sessions.userId, userId))
        .returning({ idHash: sessions.idHash });
      return rows.length;
    },
  };
}

/** What other modules may read about portal users: one by id, and the users of one account. */
export function userDirectory(db: Executor): Pick<UserRepository, "findById" | "listInAccount"> {
  const users = userRepository(db);
  return { findById: (id) => users.findById(id), listInAccount: (scope) => users.listInAccount(scope) };
}

export type UserRepository = ReturnType<typeof userRepository>;

/** Single-use activation and reset tokens, looked up by hash only. */
export function tokenRepository(db: Executor) {
  return {
    async issue(input: {
      userId: string;
      purpose: "activation" | "password-reset";
      token: string;
      expiresAt: Date;
      temporaryPasswordHash?: string;
    }) {
      // Issuing a new token kills every earlier unused token of the same purpose.
      await db
        .update(userTokens)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(userTokens.userId, input.userId),
            eq(userTokens.purpose, input.purpose),
            isNull(userTokens.usedAt),
          ),
        );
      await db.insert(userTokens).values({
        userId: input.userId,
        purpose: input.purpose,
        tokenHash: hashToken(input.token),
        expiresAt: input.expiresAt,
        temporaryPasswordHash: input.temporaryPasswordHash ?? null,
      });
    },

    /** The token if it exists, is unused and has not expired. */
    async findUsable(token: string, purpose: "activation" | "password-reset") {
      const [row] = await db
        .select()
        .from(userTokens)
        .where(
          and(
            eq(userTokens.tokenHash, hashToken(token)),
            eq(userTokens.purpose, purpose),
            isNull(userTokens.usedAt),
            gt(userTokens.expiresAt, new Date()),
          ),
        );
      return row;
    },

    /** Marks the token used; false if another request used it first. */
    async consume(id: string): Promise<boolean> {
      const rows = await db
        .update(userTokens)
        .set({ usedAt: new Date() })
        .where(and(eq(userTokens.id, id), isNull(userTokens.usedAt)))
        .returning({ id: userTokens.id });
      return rows.length === 1;
    },
  };
}

export function recoveryCodeRepository(db: Executor) {
  return {
    async replace(userId: string, codes: string[]) {
      await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
      await db
        .insert(recoveryCodes)
        .values(codes.map((code) => ({ userId, codeHash: hashToken(normalizeRecoveryCode(code)) })));
    },

    /** Uses one code; false if it does not exist or was used already. */
    async consume(userId: string, code: string): Promise<boolean> {
      const rows = await db
        .update(recoveryCodes)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(recoveryCodes.userId, userId),
            eq(recoveryCodes.codeHash, hashToken(normalizeRecoveryCode(code))),
            isNull(recoveryCodes.usedAt),
          ),
        )
        .returning({ id: recoveryCodes.id });
      return rows.length === 1;
    },

    async remaining(userId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(recoveryCodes)
        .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
      return row?.n ?? 0;
    },

    async clear(userId: string) {
      await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    },
  };
}

export const normalizeRecoveryCode = (code: string) => code.replace(/[\s-]/g, "").toLowerCase();
