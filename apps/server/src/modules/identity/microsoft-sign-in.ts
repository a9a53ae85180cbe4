import { and, eq, gt, isNotNull, isNull, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import { randomToken } from "../../crypto/tokens.js";
import type { Database, Executor } from "../../db/client.js";
import { Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { type Account, accounts } from "../tenancy/index.js";
import {
  GLOBAL_ADMINISTRATOR_ROLE,
  type MicrosoftPerson,
  MicrosoftSignInError,
  type MicrosoftSignInPort,
} from "./microsoft-sign-in-port.js";
import { maySignIn } from "./policies.js";
import { userRepository } from "./repository.js";
import { microsoftSignInFlows, microsoftSignInTenants, type PortalUser, portalUsers } from "./schema.js";
import { THROTTLE_RULES, throttleKeys, throttleStore, tooMany } from "./throttle.js";
import { verifySecondFactor } from "./two-factor.js";

const FLOW_MINUTES = 10;
const SECOND_FACTOR_MINUTES = 5;
const VERIFIER_AD = "microsoft-sign-in:code-verifier";

/** Why a Sign in with Microsoft ended without a session; the sign-in page explains each. */
export type MicrosoftSignInRefusal =
  | "wrong_tenant"
  | "unknown_user"
  | "disabled"
  | "email_in_use"
  | "not_global_admin"
  | "tenant_in_use"
  | "cancelled"
  | "state_expired"
  | "microsoft_error";

export type MicrosoftSignInOutcome =
  | { kind: "signed-in"; userId: string }
  | { kind: "two-factor"; flowId: string }
  | { kind: "enabled"; accountId: string }
  | { kind: "refused"; code: MicrosoftSignInRefusal; accountId?: string };

export interface MicrosoftSignInDeps {
  db: Database;
  config: Config;
  secrets: SecretBox;
  log: Logger;
  microsoftSignIn: MicrosoftSignInPort;
}

export const microsoftSignInRedirectUri = (config: Config) =>
  `${config.publicUrl}/api/auth/microsoft/callback`;

/**
 * Starts a Sign in with Microsoft (or, with `purpose: "enable"`, the linking of a partner's or the operator's
 * own Entra tenant by one of its Admins): stores the state, nonce and sealed PKCE verifier, returns Microsoft's
 * authorize URL.
 */
export async function startMicrosoftSignIn(
  deps: MicrosoftSignInDeps,
  input: { purpose: "sign-in" } | { purpose: "enable"; accountId: string; startedByUserId: string },
): Promise<string> {
  const flowId = randomToken(32);
  const nonce = randomToken(24);
  const verifier = randomToken(48);
  const url = await deps.microsoftSignIn.authorizeUrl({
    redirectUri: microsoftSignInRedirectUri(deps.config),
    state: flowId,
    nonce,
    codeVerifier: verifier,
    // Let the person pick (or change) the Microsoft account instead of reusing a signed-in one silently.
    prompt: "select_account",
  });
  if (!url)
    throw Problem.conflict(
      "Sign in with Microsoft is not available: the portal's Microsoft app is not configured.",
    );
  await deps.db.insert(microsoftSignInFlows).values({
    id: flowId,
    purpose: input.purpose,
    accountId: input.purpose === "enable" ? input.accountId : null,
    startedByUserId: input.purpose === "enable" ? input.startedByUserId : null,
    nonce,
    codeVerifierSealed: deps.secrets.seal(verifier, VERIFIER_AD),
    expiresAt: new Date(Date.now() + FLOW_MINUTES * 60_000),
  });
  return url;
}

/** The redirect back from Microsoft: verifies the id token, maps the person to a portal user, or refuses. */
export async function completeMicrosoftSignIn(
  deps: MicrosoftSignInDeps,
  query: Record<string, string | undefined>,
  audit: AuditContext,
): Promise<MicrosoftSignInOutcome> {
  const state = query.state ?? "";
  // Single use: the first callback with a state claims it, a replay finds it used.
  const [flow] = state
    ? await deps.db
        .update(microsoftSignInFlows)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(microsoftSignInFlows.id, state),
            isNull(microsoftSignInFlows.usedAt),
            gt(microsoftSignInFlows.expiresAt, new Date()),
          ),
        )
        .returning()
    : [];
  if (!flow) return { kind: "refused", code: "state_expired" };
  const refuse = (code: MicrosoftSignInRefusal, detail: Record<string, unknown> = {}) => {
    deps.log.info({ code, ...detail }, "Sign in with Microsoft refused");
    return { kind: "refused" as const, code, accountId: flow.accountId ?? undefined };
  };
  if (query.error) {
    const cancelled = query.error === "access_denied" || /AADSTS65004/.test(query.error_description ?? "");
    return refuse(cancelled ? "cancelled" : "microsoft_error", { error: query.error });
  }
  if (!query.code) return refuse("microsoft_error", { error: "no code" });
  let person: MicrosoftPerson;
  try {
    person = await deps.microsoftSignIn.identify({
      code: query.code,
      redirectUri: microsoftSignInRedirectUri(deps.config),
      codeVerifier: deps.secrets.open(flow.codeVerifierSealed, VERIFIER_AD),
      nonce: flow.nonce,
    });
  } catch (error) {
    if (!(error instanceof MicrosoftSignInError)) throw error;
    return refuse("microsoft_error", { error: error.message });
  }
  if (!person.email) return refuse("microsoft_error", { error: "id token without an address" });
  const globalAdmin = person.directoryRoles.includes(GLOBAL_ADMINISTRATOR_ROLE);

  if (flow.purpose === "enable") return enableTenant(deps, flow, person, globalAdmin, audit, refuse);

  const account = await accountOfTenant(deps, person.tenantId);
  if (!account) return refuse("wrong_tenant", { tenantId: person.tenantId });
  const candidates = await deps.db
    .select()
    .from(portalUsers)
    .where(and(eq(portalUsers.accountId, account.id), eq(sql`lower(${portalUsers.email})`, person.email)));
  const rank = { active: 0, invited: 1, disabled: 2 } as const;
  const existing = candidates.sort((a, b) => rank[a.status] - rank[b.status])[0];
  if (existing?.status === "disabled") return refuse("disabled", { userId: existing.id });
  if (!existing && !globalAdmin) return refuse("unknown_user", { accountId: account.id });
  if (account.status !== "active") return refuse("disabled", { accountId: account.id });
  if (existing?.status !== "active" && (await userRepository(deps.db).findByEmail(person.email)))
    return refuse("email_in_use", { accountId: account.id });

  const actorOf = (user: PortalUser): AuditContext => ({
    ...audit,
    actor: { userId: user.id, email: user.email, account: { id: account.id } },
  });
  const user = await deps.db.transaction(async (tx) => {
    let user = existing;
    if (!user) {
      [user] = await tx
        .insert(portalUsers)
        .values({
          accountId: account.id,
          email: person.email,
          name: person.name || person.email,
          role: "Admin",
          status: "active",
        })
        .returning();
      await recordAudit(tx, actorOf(user!), {
        action: "user.created-by-microsoft-sign-in",
        accountId: account.id,
        targetType: "user",
        targetId: user!.id,
        after: { email: person.email, role: "Admin", tenantId: person.tenantId, globalAdmin: true },
      });
    } else if (user.status === "invited") {
      const before = user;
      user = await userRepository(tx).update(user.id, { status: "active" });
      // The invitation is accepted by this sign-in: its links die.
      await tx.execute(
        sql`update user_tokens set used_at = now() where user_id = ${user.id} and used_at is null`,
      );
      await recordAudit(tx, actorOf(user), {
        action: "user.activated",
        accountId: account.id,
        targetType: "user",
        targetId: user.id,
        before: { status: before.status },
        after: { status: "active", by: "microsoft-sign-in" },
      });
    }
    return user!;
  });
  if (!maySignIn(user, account)) return refuse("disabled", { userId: user.id });
  if (user.totpEnabledAt && !person.mfa) {
    await deps.db
      .update(microsoftSignInFlows)
      .set({ pendingUserId: user.id, pendingUntil: new Date(Date.now() + SECOND_FACTOR_MINUTES * 60_000) })
      .where(eq(microsoftSignInFlows.id, flow.id));
    return { kind: "two-factor", flowId: flow.id };
  }
  await recordSignIn(deps.db, actorOf(user), account.id, user.id, person.mfa);
  return { kind: "signed-in", userId: user.id };
}

/**
 * The second step for a user with portal two-factor whom Microsoft did not put through MFA: the TOTP or a
 * recovery code, with the same replay protection and throttling as the password sign-in.
 */
export async function completeMicrosoftSecondFactor(
  deps: MicrosoftSignInDeps,
  input: { flow: string; totpCode?: string; recoveryCode?: string },
  audit: AuditContext,
): Promise<string> {
  const [row] = await deps.db
    .select({ flow: microsoftSignInFlows, user: portalUsers, account: accounts })
    .from(microsoftSignInFlows)
    .innerJoin(portalUsers, eq(portalUsers.id, microsoftSignInFlows.pendingUserId))
    .innerJoin(accounts, eq(accounts.id, portalUsers.accountId))
    .where(
      and(
        eq(microsoftSignInFlows.id, input.flow),
        isNotNull(microsoftSignInFlows.pendingUserId),
        gt(microsoftSignInFlows.pendingUntil, new Date()),
      ),
    );
  if (!row || !maySignIn(row.user, row.account))
    throw Problem.unauthorized("This sign-in has expired. Start again with Sign in with Microsoft.");
  const { user, account } = row;
  const throttle = throttleStore(deps.db);
  const key = throttleKeys.secondFactor(user.id);
  const locked = await throttle.lockedUntil([key]);
  if (locked) throw tooMany(locked);
  const actor: AuditContext = {
    ...audit,
    actor: { userId: user.id, email: user.email, account: { id: account.id } },
  };
  const ok = await deps.db.transaction(async (tx) => {
    const second = await verifySecondFactor(tx, deps.secrets, user, input);
    if (!second.ok) return false;
    // Claimed once: a second request with the same flow finds nothing pending.
    const [claimed] = await tx
      .update(microsoftSignInFlows)
      .set({ pendingUserId: null, pendingUntil: null })
      .where(and(eq(microsoftSignInFlows.id, input.flow), eq(microsoftSignInFlows.pendingUserId, user.id)))
      .returning({ id: microsoftSignInFlows.id });
    if (!claimed) return false;
    await throttleStore(tx).clear(key);
    await recordSignIn(tx, actor, account.id, user.id, false);
    return true;
  });
  if (!ok) {
    await throttle.fail(key, THROTTLE_RULES.secondFactor);
    await recordAudit(
      deps.db,
      { ...audit, actor: null },
      {
        action: "sign-in.failed",
        accountId: account.id,
        targetType: "user",
        targetId: user.id,
        after: { username: user.email, reason: "second-factor", method: "microsoft" },
      },
    );
    throw Problem.invalid(
      [{ field: input.recoveryCode ? "recoveryCode" : "totpCode", message: "The code is incorrect." }],
      "The code is incorrect.",
    );
  }
  return user.id;
}

async function recordSignIn(
  db: Executor,
  actor: AuditContext,
  accountId: string,
  userId: string,
  mfa: boolean,
) {
  await userRepository(db).update(userId, { lastSignInAt: new Date() });
  await recordAudit(db, actor, {
    action: "sign-in.succeeded",
    accountId,
    targetType: "user",
    targetId: userId,
    after: { method: "microsoft", microsoftMfa: mfa },
  });
}

/**
 * The account whose users a Microsoft tenant signs in: the enterprise connected to it, or the partner or
 * operator that enabled Microsoft sign-in for it as its own Entra tenant.
 */
async function accountOfTenant(
  { db, microsoftSignIn }: Pick<MicrosoftSignInDeps, "db" | "microsoftSignIn">,
  tenantId: string,
): Promise<Account | undefined> {
  const enterpriseId = await microsoftSignIn.enterpriseOfTenant(tenantId);
  if (enterpriseId) {
    const [enterprise] = await db
      .select()
      .from(accounts)
      .where(and(eq(accounts.id, enterpriseId), eq(accounts.kind, "enterprise")));
    if (enterprise) return enterprise;
  }
  const [own] = await db
    .select({ account: accounts })
    .from(microsoftSignInTenants)
    .innerJoin(accounts, eq(accounts.id, microsoftSignInTenants.accountId))
    .where(eq(microsoftSignInTenants.tenantId, tenantId));
  return own?.account;
}

async function enableTenant(
  deps: MicrosoftSignInDeps,
  flow: typeof microsoftSignInFlows.$inferSelect,
  person: MicrosoftPerson,
  globalAdmin: boolean,
  audit: AuditContext,
  refuse: (code: MicrosoftSignInRefusal, detail?: Record<string, unknown>) => MicrosoftSignInOutcome,
): Promise<MicrosoftSignInOutcome> {
  if (!flow.accountId || !flow.startedByUserId) return refuse("state_expired");
  if (!globalAdmin) return refuse("not_global_admin", { tenantId: person.tenantId });
  const [elsewhere] = await deps.db
    .select({ accountId: microsoftSignInTenants.accountId })
    .from(microsoftSignInTenants)
    .where(eq(microsoftSignInTenants.tenantId, person.tenantId));
  const connected = await deps.microsoftSignIn.enterpriseOfTenant(person.tenantId);
  if ((elsewhere && elsewhere.accountId !== flow.accountId) || connected)
    return refuse("tenant_in_use", { tenantId: person.tenantId });
  const starter = await userRepository(deps.db).findById(flow.startedByUserId);
  if (starter?.status !== "active" || starter.role !== "Admin") return refuse("state_expired");
  const accountId = flow.accountId;
  await deps.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(microsoftSignInTenants)
      .where(eq(microsoftSignInTenants.accountId, accountId));
    const values = { tenantId: person.tenantId, enabledByUserId: starter.id, enabledAt: new Date() };
    await tx
      .insert(microsoftSignInTenants)
      .values({ accountId, ...values })
      .onConflictDoUpdate({ target: microsoftSignInTenants.accountId, set: values });
    await recordAudit(
      tx,
      { ...audit, actor: { userId: starter.id, email: starter.email, account: { id: starter.accountId } } },
      {
        action: "microsoft-sign-in.enabled",
        accountId,
        targetType: "microsoft-tenant",
        targetId: person.tenantId,
        before,
        after: { accountId, tenantId: person.tenantId, consentedBy: person.email },
      },
    );
  });
  return { kind: "enabled", accountId };
}

/** Whether (and for which tenant) an account's own users may sign in with Microsoft. */
export async function microsoftSignInSetting(db: Executor, accountId: string) {
  const [row] = await db
    .select()
    .from(microsoftSignInTenants)
    .where(eq(microsoftSignInTenants.accountId, accountId));
  return { enabled: Boolean(row), tenantId: row?.tenantId ?? null };
}

/** Turns Microsoft sign-in off for a partner's or the operator's own tenant. */
export async function disableMicrosoftSignIn(db: Database, accountId: string, audit: AuditContext) {
  await db.transaction(async (tx) => {
    const [before] = await tx
      .delete(microsoftSignInTenants)
      .where(eq(microsoftSignInTenants.accountId, accountId))
      .returning();
    if (before) {
      await recordAudit(tx, audit, {
        action: "microsoft-sign-in.disabled",
        accountId,
        targetType: "microsoft-tenant",
        targetId: before.tenantId,
        before,
      });
    }
  });
}
