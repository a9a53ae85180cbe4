import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import { randomToken } from "../../crypto/tokens.js";
import type { Database, Executor } from "../../db/client.js";
import { keysetCursor, toPage } from "../../http/pagination.js";
import { type FieldError, Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { type Mailer, withBrand } from "../mail/index.js";
import { type Account, accountRepository, tenantScope } from "../tenancy/index.js";
import { invitationMail } from "./mails.js";
import { checkPasswordPolicy, hashPassword, temporaryPassword, verifyPassword } from "./passwords.js";
import { losesLastAdmin, mayHavePartners, maySignIn } from "./policies.js";
import { normalizeEmail, tokenRepository, userRepository } from "./repository.js";
import type { PortalRole, PortalUser } from "./schema.js";
import { THROTTLE_RULES, throttleKeys, throttleStore, tooMany } from "./throttle.js";
import { verifySecondFactor } from "./two-factor.js";

/** Cursors of User Management's list: (name, id). */
export const portalUserCursor = keysetCursor("text", "uuid");

export interface IdentityDeps {
  db: Database;
  config: Config;
  mailer: Mailer;
  secrets: SecretBox;
  log: Logger;
}

export interface RequestMeta {
  ip: string;
  userAgent?: string;
  requestId?: string;
}

export interface InviteInput {
  accountId: string;
  name: string;
  email: string;
  role: PortalRole;
}

/** What the outside world may see of a portal user (never hashes or secrets). */
export function publicUser(user: PortalUser) {
  return {
    id: user.id,
    accountId: user.accountId,
    name: user.name,
    email: user.email,
    role: user.role,
    status: user.status,
    twoFactorEnabled: Boolean(user.totpEnabledAt),
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

const auditUser = (user: PortalUser) => ({
  name: user.name,
  email: user.email,
  role: user.role,
  status: user.status,
});

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const INVALID_CREDENTIALS = "The username or password is incorrect.";
const INVALID_ACTIVATION =
  "This activation link is invalid, was already used or has expired. Ask your administrator for a new invitation.";
const INVALID_RESET =
  "This password reset link is invalid, was already used or has expired. Request a new one.";

const EMAIL_HAS_ACCOUNT =
  "This email address already has an account in the portal. Sign in with it instead, or ask the person who invited you to use another address.";

function emailHasAccount(): Problem {
  return Problem.conflict(EMAIL_HAS_ACCOUNT, [{ field: "token", message: EMAIL_HAS_ACCOUNT }]);
}

function isUniqueViolation(error: unknown): boolean {
  const pg = (error as { code?: string; cause?: { code?: string } }) ?? {};
  return pg.code === "23505" || pg.cause?.code === "23505";
}

/** The answer while a username is slowed down: the same whether or not the user or the password exists. */
function slowedDown(until: Date): Problem {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  const detail = `Too many attempts for this username. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or sign in now with your password and the code from your authenticator app.`;
  // The `totpCode` entry lets the sign-in page ask for the code, for everyone alike.
  return new Problem(
    429,
    "Too Many Requests",
    detail,
    [{ field: "totpCode", message: detail }],
    "urn:sip2teams:problem:sign-in-slowed",
  );
}

async function checkNewPassword(
  input: { newPassword: string; confirmPassword: string },
  email: string,
): Promise<FieldError[]> {
  const errors = await checkPasswordPolicy(input.newPassword, { email, field: "newPassword" });
  if (input.newPassword !== input.confirmPassword) {
    errors.push({ field: "confirmPassword", message: "The passwords do not match." });
  }
  return errors;
}

/**
 * Invitations, activation, sign-in, password reset and user management.
 * Every write runs in a transaction with its audit record.
 */
export function identityService(deps: IdentityDeps) {
  const { db, config, mailer, log } = deps;
  const throttle = throttleStore(db);

  /**
   * Creates an invited user in `accountId` with a single-use activation link and temporary password,
   * records `user.invited` and sends the activation email before returning. Run it inside the caller's
   * transaction (`tx`) so the user exists only if the rest of the caller's work commits.
   */
  async function inviteUser(tx: Executor, input: InviteInput, context: AuditContext): Promise<PortalUser> {
    const users = userRepository(tx);
    const email = normalizeEmail(input.email);
    const name = input.name.trim();
    const errors: FieldError[] = [];
    if (!name) errors.push({ field: "name", message: "Enter a name." });
    if (!EMAIL.test(email)) errors.push({ field: "email", message: "Enter a valid email address." });
    if (errors.length > 0) throw Problem.invalid(errors);
    const account = await accountRepository(tx).findById(input.accountId);
    if (!account) throw Problem.notFound("No such account.");
    // Only a user of this very account is named (the Admin lists those anyway). An address used anywhere
    // else is invited like a new one, so inviting cannot probe the portal; activation resolves the conflict.
    if (await users.emailInAccount(tenantScope(account), email)) {
      throw Problem.conflict("This email address is already in use.", [
        { field: "email", message: "This email address is already in use." },
      ]);
    }
    const user = await users.insert({
      accountId: account.id,
      email,
      name,
      role: input.role,
      status: "invited",
    });
    await recordAudit(tx, context, {
      action: "user.invited",
      accountId: account.id,
      targetType: "user",
      targetId: user.id,
      after: auditUser(user),
    });
    await sendInvitation(tx, user, account);
    return user;
  }

  async function sendInvitation(tx: Executor, user: PortalUser, account: Account) {
    const token = randomToken();
    const password = temporaryPassword();
    await tokenRepository(tx).issue({
      userId: user.id,
      purpose: "activation",
      token,
      temporaryPasswordHash: await hashPassword(password),
      expiresAt: new Date(Date.now() + config.INVITATION_TTL_DAYS * 86_400_000),
    });
    const branded = await withBrand(mailer, tx, config, account.id);
    await mailer.send({
      ...invitationMail(branded.config, {
        to: user.email,
        name: user.name,
        accountName: account.name,
        token,
        temporaryPassword: password,
      }),
      from: branded.from,
    });
    return { token, temporaryPassword: password };
  }

  async function loadUserInAccount(tx: Executor, account: Account, userId: string) {
    const user = await userRepository(tx).findInAccount(tenantScope(account), userId);
    if (!user) throw Problem.notFound("No such user.");
    return user;
  }

  return {
    inviteUser,

    /** Issues a new activation link and temporary password; the old ones stop working. */
    async resendInvitation(account: Account, userId: string, context: AuditContext) {
      return db.transaction(async (tx) => {
        const user = await loadUserInAccount(tx, account, userId);
        if (user.status !== "invited") {
          throw Problem.conflict("Only invited users who have not activated yet can get a new invitation.");
        }
        await recordAudit(tx, context, {
          action: "user.invitation-resent",
          accountId: account.id,
          targetType: "user",
          targetId: user.id,
        });
        await sendInvitation(tx, user, account);
        return user;
      });
    },

    /** Creates the operator account and its first Admin; returns the one-time activation link details. */
    async createOperator(input: { name: string; email: string; adminName: string }, context: AuditContext) {
      return db.transaction(async (tx) => {
        const accountsRepo = accountRepository(tx);
        if (await accountsRepo.findOperator()) throw Problem.conflict("An operator account already exists.");
        const account = await accountsRepo.create({
          kind: "operator",
          name: input.name.trim(),
          parent: null,
        });
        await recordAudit(tx, context, {
          action: "account.created",
          accountId: account.id,
          targetType: "account",
          targetId: account.id,
          after: { kind: account.kind, name: account.name },
        });
        const users = userRepository(tx);
        const email = normalizeEmail(input.email);
        if (!EMAIL.test(email)) throw Problem.field("email", "Enter a valid email address.");
        if (!input.name.trim()) throw Problem.field("name", "Enter the operator's name.");
        if (await users.emailInUse(email))
          throw Problem.field("email", "This email address is already in use.");
        const user = await users.insert({
          accountId: account.id,
          email,
          name: input.adminName.trim(),
          role: "Admin",
          status: "invited",
        });
        await recordAudit(tx, context, {
          action: "user.invited",
          accountId: account.id,
          targetType: "user",
          targetId: user.id,
          after: auditUser(user),
        });
        const sent = await sendInvitation(tx, user, account);
        return {
          account,
          user,
          activationUrl: `${config.publicUrl}/activate#token=${encodeURIComponent(sent.token)}`,
          temporaryPassword: sent.temporaryPassword,
        };
      });
    },

    /** A partner (below an operator or partner) with its first Admin, who gets an activation email. */
    async createPartner(
      parent: Account,
      input: { name: string; adminName: string; adminEmail: string },
      context: AuditContext,
    ) {
      if (!mayHavePartners(parent))
        throw Problem.forbidden("Partners can only be created below the operator or a partner.");
      const name = input.name.trim();
      if (!name) throw Problem.field("name", "Enter the partner's company name.");
      return db.transaction(async (tx) => {
        const account = await accountRepository(tx).create({ kind: "partner", name, parent });
        await recordAudit(tx, context, {
          action: "account.created",
          accountId: account.id,
          targetType: "account",
          targetId: account.id,
          after: { kind: account.kind, name: account.name, parentId: parent.id },
        });
        try {
          const admin = await inviteUser(
            tx,
            { accountId: account.id, name: input.adminName, email: input.adminEmail, role: "Admin" },
            context,
          );
          return { account, admin };
        } catch (error) {
          // Field names of the invitation map onto the partner form.
          if (error instanceof Problem && error.errors) {
            const mapped = error.errors.map((e) => ({
              ...e,
              field: e.field === "email" ? "adminEmail" : e.field === "name" ? "adminName" : e.field,
            }));
            throw new Problem(error.status, error.title, error.detail, mapped);
          }
          throw error;
        }
      });
    },

    /** Account-level security settings: an Admin may require two-factor authentication of all its users. */
    async updateSecuritySettings(
      account: Account,
      input: { requireTwoFactor: boolean },
      context: AuditContext,
    ) {
      if (account.requireTwoFactor === input.requireTwoFactor) return account;
      return db.transaction(async (tx) => {
        const updated = await accountRepository(tx).updateSecurity(tenantScope(account), account.id, input);
        if (!updated) throw Problem.notFound("No such account.");
        await recordAudit(tx, context, {
          action: "account.security-changed",
          accountId: account.id,
          targetType: "account",
          targetId: account.id,
          before: { requireTwoFactor: account.requireTwoFactor },
          after: { requireTwoFactor: input.requireTwoFactor },
        });
        return updated;
      });
    },

    /** A page of the account's users by name (User Management). */
    async listUsers(account: Account, page: { cursor?: string; limit: number }) {
      const after = page.cursor ? (portalUserCursor.decode(page.cursor) ?? undefined) : undefined;
      const rows = await userRepository(db).pageInAccount(tenantScope(account), {
        after,
        limit: page.limit + 1,
      });
      return toPage(rows, page.limit, (last) => portalUserCursor.encode([last.name, last.id]));
    },

    async updateUser(
      account: Account,
      userId: string,
      patch: { name?: string; role?: PortalRole; status?: "active" | "disabled" },
      context: AuditContext,
    ) {
      return db.transaction(async (tx) => {
        const users = userRepository(tx);
        const scope = tenantScope(account);
        await accountRepository(tx).lockForUpdate(scope, account.id);
        const user = await loadUserInAccount(tx, account, userId);
        const next = { ...user };
        if (patch.name !== undefined) {
          if (!patch.name.trim()) throw Problem.field("name", "Enter a name.");
          next.name = patch.name.trim();
        }
        if (patch.role) next.role = patch.role;
        if (patch.status === "disabled") next.status = "disabled";
        if (patch.status === "active" && user.status === "disabled")
          next.status = user.passwordHash ? "active" : "invited";
        const others = await users.countOtherActiveAdmins(scope, user.id);
        if (losesLastAdmin(user, next, others)) {
          throw Problem.conflict("An account needs at least one active Admin.", [
            {
              field: patch.role && patch.role !== "Admin" ? "role" : "status",
              message: "An account needs at least one active Admin.",
            },
          ]);
        }
        const updated = await users.updateInAccount(scope, user.id, {
          name: next.name,
          role: next.role,
          status: next.status,
        });
        if (!updated) throw Problem.notFound("No such user.");
        if (updated.status === "disabled") await users.revokeSessionsInAccount(scope, user.id);
        const action =
          user.role !== updated.role
            ? "user.role-changed"
            : user.status !== updated.status
              ? `user.${updated.status === "disabled" ? "disabled" : "enabled"}`
              : "user.updated";
        await recordAudit(tx, context, {
          action,
          accountId: account.id,
          targetType: "user",
          targetId: user.id,
          before: auditUser(user),
          after: auditUser(updated),
        });
        return updated;
      });
    },

    /** Signs a managed user out everywhere (Settings › User Management › End all sessions). */
    async endAllSessions(account: Account, userId: string, context: AuditContext): Promise<number> {
      return db.transaction(async (tx) => {
        const user = await loadUserInAccount(tx, account, userId);
        const endedSessions = await userRepository(tx).revokeSessionsInAccount(tenantScope(account), user.id);
        await recordAudit(tx, context, {
          action: "user.sessions-ended",
          accountId: account.id,
          targetType: "user",
          targetId: user.id,
          after: { endedSessions },
        });
        return endedSessions;
      });
    },

    async deleteUser(account: Account, userId: string, context: AuditContext) {
      await db.transaction(async (tx) => {
        const users = userRepository(tx);
        const scope = tenantScope(account);
        await accountRepository(tx).lockForUpdate(scope, account.id);
        const user = await loadUserInAccount(tx, account, userId);
        if (losesLastAdmin(user, null, await users.countOtherActiveAdmins(scope, user.id))) {
          throw Problem.conflict("An account needs at least one active Admin.", [
            { field: "id", message: "An account needs at least one active Admin." },
          ]);
        }
        await users.deleteInAccount(scope, user.id);
        await recordAudit(tx, context, {
          action: "user.deleted",
          accountId: account.id,
          targetType: "user",
          targetId: user.id,
          before: auditUser(user),
        });
      });
    },

    /** Activation: the temporary password from the email plus a new password. Returns the now active user. */
    /**
     * Whether an activation link can still be used, so the page says "already used" before the form. Answers
     * nothing about whom it is for; a dead link counts against the caller's address like a failed activation.
     */
    async activationLinkUsable(token: string, meta: RequestMeta): Promise<boolean> {
      const ipKey = throttleKeys.ip(meta.ip);
      const lockedIp = await throttle.lockedUntil([ipKey]);
      if (lockedIp) throw tooMany(lockedIp);
      const found = await tokenRepository(db).findUsable(token, "activation");
      const user = found ? await userRepository(db).findById(found.userId) : undefined;
      if (found && user?.status === "invited") return true;
      await throttle.fail(ipKey, THROTTLE_RULES.ip);
      return false;
    },

    async activate(
      input: { token: string; currentPassword: string; newPassword: string; confirmPassword: string },
      meta: RequestMeta,
    ): Promise<PortalUser> {
      const ipKey = throttleKeys.ip(meta.ip);
      const lockedIp = await throttle.lockedUntil([ipKey]);
      if (lockedIp) throw tooMany(lockedIp);
      const tokens = tokenRepository(db);
      const token = await tokens.findUsable(input.token, "activation");
      const user = token ? await userRepository(db).findById(token.userId) : undefined;
      if (!token || !user || user.status !== "invited") {
        await throttle.fail(ipKey, THROTTLE_RULES.ip);
        throw Problem.field("token", INVALID_ACTIVATION);
      }
      const tokenKey = throttleKeys.activationToken(token.tokenHash);
      if (!(await verifyPassword(token.temporaryPasswordHash, input.currentPassword))) {
        await throttle.fail(ipKey, THROTTLE_RULES.ip);
        const outcome = await throttle.fail(tokenKey, THROTTLE_RULES.activationToken);
        const context = { actor: null, ip: meta.ip, requestId: meta.requestId };
        await recordAudit(db, context, {
          action: "user.activation-failed",
          accountId: user.accountId,
          targetType: "user",
          targetId: user.id,
        });
        if (outcome.newlyLocked) {
          // Too many wrong temporary passwords: the link is burnt; an Admin must resend the invitation.
          await tokens.consume(token.id);
          throw Problem.field("token", INVALID_ACTIVATION);
        }
        throw Problem.field("currentPassword", "The temporary password is incorrect.");
      }
      // Only the holder of the mailbox gets this far, and they may know their address has an account.
      if (await userRepository(db).emailActivatedElsewhere(user.email, user.id)) throw emailHasAccount();
      const errors = await checkNewPassword(input, user.email);
      if (input.newPassword === input.currentPassword)
        errors.push({ field: "newPassword", message: "Choose a password different from the temporary one." });
      if (errors.length > 0) throw Problem.invalid(errors);
      const passwordHash = await hashPassword(input.newPassword);
      return db.transaction(async (tx) => {
        if (!(await tokenRepository(tx).consume(token.id))) throw Problem.field("token", INVALID_ACTIVATION);
        const activated = await userRepository(tx)
          .update(user.id, { passwordHash, status: "active", lastSignInAt: new Date() })
          .catch((error: unknown) => {
            // Two invitations of one address activated at the same moment: the unique index decides.
            if (isUniqueViolation(error)) throw emailHasAccount();
            throw error;
          });
        await throttle.clear(tokenKey);
        const context: AuditContext = {
          actor: { userId: user.id, email: user.email, account: { id: user.accountId } },
          ip: meta.ip,
          requestId: meta.requestId,
        };
        await recordAudit(tx, context, {
          action: "user.activated",
          accountId: user.accountId,
          targetType: "user",
          targetId: user.id,
          before: auditUser(user),
          after: auditUser(activated),
        });
        return activated;
      });
    },

    /**
     * Username + password (+ second factor when enrolled). Every failure answers the same, whether or not the
     * user exists. Throttled in Postgres per (username, client IP) — a lock that only the failing client feels —
     * per IP, and per username across clients, which slows down instead of locking: while it runs, only a
     * correct password with a valid second factor gets in (`THROTTLE_RULES`).
     */
    async signIn(
      input: { username: string; password: string; totpCode?: string; recoveryCode?: string },
      meta: RequestMeta,
    ): Promise<PortalUser> {
      const username = normalizeEmail(input.username);
      const clientKey = throttleKeys.usernameClient(username, meta.ip);
      const userKey = throttleKeys.username(username);
      const ipKey = throttleKeys.ip(meta.ip);
      const anonymous: AuditContext = { actor: null, ip: meta.ip, requestId: meta.requestId };
      const locked = await throttle.lockedUntil([clientKey, ipKey]);
      if (locked) {
        log.warn({ ip: meta.ip }, "sign-in refused: throttled");
        throw tooMany(locked);
      }
      const slowedUntil = await throttle.lockedUntil([userKey]);
      const secondFactorGiven = Boolean(input.totpCode || input.recoveryCode);
      // Slowed down: without a second factor there is nothing that could succeed, so nothing is evaluated.
      if (slowedUntil && !secondFactorGiven) throw slowedDown(slowedUntil);

      const found = await userRepository(db).findByEmail(username);
      const passwordOk = await verifyPassword(found?.user.passwordHash, input.password);

      const fail = async (reason: string, problem: Problem): Promise<never> => {
        const outcomes = await Promise.all([
          throttle.fail(clientKey, THROTTLE_RULES.usernameClient),
          throttle.fail(ipKey, THROTTLE_RULES.ip),
          throttle.fail(userKey, THROTTLE_RULES.usernameSlowdown),
          ...(reason === "second-factor" && found
            ? [throttle.fail(throttleKeys.secondFactor(found.user.id), THROTTLE_RULES.secondFactor)]
            : []),
        ]);
        const scopes = ["username-client", "ip", "username-slowdown", "second-factor"];
        const accountId = found?.account.id ?? null;
        await recordAudit(db, anonymous, {
          action: "sign-in.failed",
          accountId,
          targetType: "user",
          targetId: found?.user.id,
          after: { username, reason },
        });
        const newlyLocked = outcomes.findIndex((o) => o.newlyLocked);
        if (newlyLocked >= 0) {
          await recordAudit(db, anonymous, {
            action: "sign-in.locked-out",
            accountId,
            targetType: "user",
            targetId: found?.user.id,
            after: {
              username,
              scope: scopes[newlyLocked],
              lockedUntil: outcomes[newlyLocked]!.lockedUntil?.toISOString(),
            },
          });
        }
        // While slowed down, every refusal looks alike: it must not tell which factor was wrong.
        throw slowedUntil ? slowedDown(slowedUntil) : problem;
      };

      if (!found || !passwordOk || !maySignIn(found.user, found.account)) {
        return fail(
          found ? (passwordOk ? "inactive" : "password") : "unknown-user",
          Problem.unauthorized(INVALID_CREDENTIALS),
        );
      }
      const { user, account } = found;
      // A password alone never gets in while the username is slowed down (not counted: it may be the owner).
      if (slowedUntil && !user.totpEnabledAt) throw slowedDown(slowedUntil);
      const secondFactorKey = throttleKeys.secondFactor(user.id);
      if (user.totpEnabledAt) {
        const secondFactorLocked = await throttle.lockedUntil([secondFactorKey]);
        if (secondFactorLocked) throw slowedUntil ? slowedDown(slowedUntil) : tooMany(secondFactorLocked);
        if (!secondFactorGiven) {
          throw new Problem(
            401,
            "Unauthorized",
            "Enter the code from your authenticator app.",
            [{ field: "totpCode", message: "Enter the code from your authenticator app." }],
            "urn:sip2teams:problem:two-factor-required",
          );
        }
      }
      const actor: AuditContext = { ...anonymous, actor: { userId: user.id, email: user.email, account } };
      // The second factor is accepted (TOTP step moved, recovery code used) in the same transaction as the
      // sign-in, atomically: of concurrent requests with one code, exactly one gets in.
      const signedIn = await db.transaction(async (tx) => {
        if (user.totpEnabledAt) {
          const second = await verifySecondFactor(tx, deps.secrets, user, input);
          if (!second.ok) return null;
          if (second.usedRecoveryCode) {
            await recordAudit(tx, actor, {
              action: "two-factor.recovery-code-used",
              accountId: account.id,
              targetType: "user",
              targetId: user.id,
            });
          }
        }
        const txThrottle = throttleStore(tx);
        await txThrottle.clear(clientKey);
        await txThrottle.clear(secondFactorKey);
        // A success during a slow-down does not end it: the guessing from elsewhere may go on.
        if (!slowedUntil) await txThrottle.clear(userKey);
        const updated = await userRepository(tx).update(user.id, { lastSignInAt: new Date() });
        await recordAudit(tx, actor, {
          action: "sign-in.succeeded",
          accountId: account.id,
          targetType: "user",
          targetId: user.id,
        });
        return updated;
      });
      if (!signedIn) {
        return fail(
          "second-factor",
          Problem.invalid(
            [{ field: input.recoveryCode ? "recoveryCode" : "totpCode", message: "The code is incorrect." }],
            "The code is incorrect.",
          ),
        );
      }
      return signedIn;
    },

    /** Sets a new password from a reset link and revokes every session of the user. */
    async resetPassword(
      input: { token: string; newPassword: string; confirmPassword: string },
      meta: RequestMeta,
    ): Promise<PortalUser> {
      const ipKey = throttleKeys.resetIp(meta.ip);
      const locked = await throttle.lockedUntil([ipKey]);
      if (locked) throw tooMany(locked);
      const token = await tokenRepository(db).findUsable(input.token, "password-reset");
      const found = token ? await userRepository(db).findById(token.userId) : undefined;
      if (!token || !found || found.status !== "active") {
        await throttle.fail(ipKey, THROTTLE_RULES.resetIp);
        throw Problem.field("token", INVALID_RESET);
      }
      const errors = await checkNewPassword(input, found.email);
      if (errors.length > 0) throw Problem.invalid(errors);
      const passwordHash = await hashPassword(input.newPassword);
      return db.transaction(async (tx) => {
        if (!(await tokenRepository(tx).consume(token.id))) throw Problem.field("token", INVALID_RESET);
        const users = userRepository(tx);
        const updated = await users.update(found.id, { passwordHash, lastSignInAt: new Date() });
        await users.revokeSessions(found.id);
        const txThrottle = throttleStore(tx);
        await txThrottle.clear(throttleKeys.username(found.email));
        await txThrottle.clearPrefix(throttleKeys.usernameClients(found.email));
        await txThrottle.clear(throttleKeys.secondFactor(found.id));
        const context: AuditContext = {
          actor: { userId: found.id, email: found.email, account: { id: found.accountId } },
          ip: meta.ip,
          requestId: meta.requestId,
        };
        await recordAudit(tx, context, {
          action: "password-reset.completed",
          accountId: found.accountId,
          targetType: "user",
          targetId: found.id,
        });
        return updated;
      });
    },

    /** Verifies the signed-in user's password (e.g. before disabling two-factor authentication). */
    async checkOwnPassword(userId: string, password: string): Promise<boolean> {
      const user = await userRepository(db).findById(userId);
      return verifyPassword(user?.passwordHash, password);
    },
  };
}

export type IdentityService = ReturnType<typeof identityService>;
