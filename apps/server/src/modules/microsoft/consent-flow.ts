import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { randomToken } from "../../crypto/tokens.js";
import type { Database, Executor } from "../../db/client.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { MicrosoftSignInError, userDirectory } from "../identity/index.js";
import type { Mailer } from "../mail/index.js";
import { emitEvent } from "../webhooks/index.js";
import { consentRepository } from "./consent-repository.js";
import { redeemSignInCode, verifyIdToken } from "./oidc-sign-in.js";
import type { MicrosoftDeps } from "./runtime.js";
import type { ConsentFlow } from "./schema.js";
import { notifyTenantReplaced } from "./tenant-change-notice.js";

export const CONSENT_FLOW_MINUTES = 15;
/** How long "Try again" can start new attempts after the first one (retries included). */
export const CONSENT_RETRY_HOURS = 24;
const VERIFIER_AD = "microsoft-consent-flow:code-verifier";

/** Why a connection attempt failed; each has its own message and a retry. */
export type ConsentErrorCode =
  | "consent_cancelled"
  | "not_global_admin"
  | "tenant_linked_elsewhere"
  | "state_expired"
  | "tenant_mismatch"
  | "wrong_tenant"
  | "microsoft_error"
  | "not_configured";

export const CONSENT_ERROR_MESSAGES: Record<ConsentErrorCode, string> = {
  consent_cancelled:
    "The permissions were not accepted, so nothing was connected. Try again and click Accept on the Microsoft permissions screen.",
  not_global_admin:
    "The Microsoft account you signed in with is not a Global Admin of its Microsoft 365 tenant. Try again and sign in with a Global Admin account.",
  tenant_linked_elsewhere:
    "This Microsoft 365 tenant is already connected to another enterprise in the portal. Sign in with an account of your own organization's tenant, or ask your telephony provider to disconnect the other enterprise first.",
  state_expired:
    "This authorization link has expired or was already used. Start again with Connect to Microsoft Teams.",
  tenant_mismatch:
    "You signed in to a different Microsoft 365 tenant than the one that granted the permissions. Try again and use the same Global Admin account throughout.",
  wrong_tenant:
    "The Microsoft 365 tenant you signed in to is not the one this enterprise is connected to, so nothing was changed. Try again and sign in with a Global Admin of the enterprise's own tenant. To move the enterprise to another tenant, a portal Admin uses Connect a different Microsoft 365 tenant.",
  microsoft_error: "Microsoft could not complete the authorization. Try again in a few minutes.",
  not_configured:
    "The portal's Microsoft app registration is not configured yet. Ask your telephony provider.",
};

export class ConsentFailure extends Error {
  constructor(
    readonly code: ConsentErrorCode,
    readonly detail?: string,
  ) {
    super(CONSENT_ERROR_MESSAGES[code]);
    this.name = "ConsentFailure";
  }
}

export function redirectUri(deps: MicrosoftDeps): string {
  return `${deps.config.publicUrl}/api/microsoft/callback`;
}

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export interface StartConsentInput {
  /**
   * The account whose tenant is connected: an enterprise (its customer tenant), or the operator account (the
   * carrier's own tenant, for the base-domain trunk; see operator-settings/carrier-trunk.ts). Both are bound alike.
   */
  enterpriseAccountId: string;
  startedByUserId: string | null;
  /** A retry (e.g. after signing in with an account that is not a Global Admin) asks for the sign-in again. */
  forceSignIn?: boolean;
  /** "Use another Microsoft account": Microsoft shows its account picker instead of reusing its session. */
  selectAccount?: boolean;
  /** "Connect a different Microsoft 365 tenant": an Admin's explicit, audited request (see requestTenantReplacement). */
  replacesTenant?: boolean;
  /** Inherited by retries, so that a chain of retries ends too. */
  retryUntil?: Date;
  /** The transaction to write the flow in (e.g. the one that spends an emailed link). */
  tx?: Executor;
}

/**
 * Starts a "Connect to Microsoft Teams" attempt: returns the Microsoft admin-consent URL to send the browser to.
 * Unless it replaces the tenant, the attempt is bound to the tenant the enterprise is (or was) linked to: the
 * consent URL names that tenant, and the callback refuses any other (`wrong_tenant`).
 */
export async function startConsent(
  deps: MicrosoftDeps & { db: Database },
  input: StartConsentInput,
): Promise<{ flowId: string; authorizeUrl: string }> {
  const db = input.tx ?? deps.db;
  const settings = await deps.microsoft.settings();
  if (!settings.clientId || (!settings.clientSecret && !settings.certificate))
    throw new ConsentFailure("not_configured");
  const flows = consentRepository(db);
  const linked = await flows.connectionOf(input.enterpriseAccountId);
  const expected = input.replacesTenant ? undefined : linked;
  const flowId = randomToken(32);
  await flows.insertFlow({
    id: flowId,
    enterpriseAccountId: input.enterpriseAccountId,
    startedByUserId: input.startedByUserId,
    stage: "admin-consent",
    nonce: randomToken(24),
    codeVerifierSealed: deps.secrets.seal(randomToken(48), VERIFIER_AD),
    expectedTenantId: expected?.tenantId ?? null,
    replacesTenant: input.replacesTenant ?? false,
    retryUntil: input.retryUntil ?? new Date(Date.now() + CONSENT_RETRY_HOURS * 3600_000),
    expiresAt: new Date(Date.now() + CONSENT_FLOW_MINUTES * 60_000),
  });
  const url = new URL(`${settings.loginUrl}/${expected?.tenantId ?? "organizations"}/v2.0/adminconsent`);
  url.searchParams.set("client_id", settings.clientId);
  url.searchParams.set("redirect_uri", redirectUri(deps));
  url.searchParams.set("scope", "https://graph.microsoft.com/.default");
  url.searchParams.set("state", flowId);
  if (expected) url.searchParams.set("domain_hint", expected.tenantDomain);
  if (input.forceSignIn) url.searchParams.set("prompt", "login");
  else if (input.selectAccount) url.searchParams.set("prompt", "select_account");
  return { flowId, authorizeUrl: url.toString() };
}

type CallbackDeps = MicrosoftDeps & { db: Database; mailer: Mailer; log: Logger };

export type CallbackQuery = Record<string, string | undefined>;

export type CallbackResult =
  | { kind: "redirect-to-microsoft"; url: string }
  | { kind: "done"; flowId: string | null; errorCode?: ConsentErrorCode };

/** Handles every redirect back from Microsoft (admin consent, then the OpenID sign-in). */
export async function handleCallback(
  deps: CallbackDeps,
  query: CallbackQuery,
  audit: AuditContext,
): Promise<CallbackResult> {
  const state = query.state ?? "";
  const flow = state ? await consentRepository(deps.db).findFlow(state) : undefined;
  if (!flow) return { kind: "done", flowId: null, errorCode: "state_expired" };
  if (flow.outcome !== "pending" || flow.expiresAt.getTime() < Date.now()) {
    if (flow.outcome === "pending") await fail(deps.db, flow, "state_expired");
    return { kind: "done", flowId: flow.id, errorCode: "state_expired" };
  }
  try {
    if (query.error) throw classifyMicrosoftError(query);
    if (flow.stage === "admin-consent") return await afterAdminConsent(deps, flow, query);
    return await afterSignIn(deps, flow, query, audit);
  } catch (error) {
    const failure =
      error instanceof ConsentFailure
        ? error
        : new ConsentFailure("microsoft_error", (error as Error).message);
    await fail(deps.db, flow, failure.code, failure.detail);
    return { kind: "done", flowId: flow.id, errorCode: failure.code };
  }
}

function classifyMicrosoftError(query: CallbackQuery): ConsentFailure {
  const description = query.error_description ?? "";
  if (/AADSTS90094|AADSTS90008|AADSTS65005/.test(description))
    return new ConsentFailure("not_global_admin", description);
  if (
    /AADSTS65004/.test(description) ||
    query.error === "access_denied" ||
    query.error === "consent_required"
  ) {
    return new ConsentFailure("consent_cancelled", description);
  }
  return new ConsentFailure("microsoft_error", `${query.error}: ${description}`);
}

async function afterAdminConsent(
  deps: MicrosoftDeps & { db: Database },
  flow: ConsentFlow,
  query: CallbackQuery,
): Promise<CallbackResult> {
  const tenant = query.tenant ?? "";
  if (query.admin_consent?.toLowerCase() !== "true" || !/^[0-9a-f-]{36}$/i.test(tenant)) {
    throw new ConsentFailure(
      "microsoft_error",
      "admin consent answered without admin_consent=True and a tenant id",
    );
  }
  if (flow.expectedTenantId && tenant.toLowerCase() !== flow.expectedTenantId)
    throw new ConsentFailure("wrong_tenant", `consent granted in ${tenant}`);
  const settings = await deps.microsoft.settings();
  // The redirect's `tenant` is only a hint: the sign-in below yields a signed id token whose `tid` decides.
  await consentRepository(deps.db).updateFlow(flow.id, {
    stage: "sign-in",
    consentedTenantId: tenant.toLowerCase(),
  });
  const verifier = deps.secrets.open(flow.codeVerifierSealed, VERIFIER_AD);
  const url = new URL(`${settings.loginUrl}/${tenant.toLowerCase()}/oauth2/v2.0/authorize`);
  url.searchParams.set("client_id", settings.clientId!);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", redirectUri(deps));
  url.searchParams.set("response_mode", "query");
  url.searchParams.set("scope", "openid profile");
  url.searchParams.set("state", flow.id);
  url.searchParams.set("nonce", flow.nonce);
  url.searchParams.set("code_challenge", s256(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  const linked = await consentRepository(deps.db).connectionOf(flow.enterpriseAccountId);
  if (flow.expectedTenantId && linked) url.searchParams.set("domain_hint", linked.tenantDomain);
  return { kind: "redirect-to-microsoft", url: url.toString() };
}

async function afterSignIn(
  deps: CallbackDeps,
  flow: ConsentFlow,
  query: CallbackQuery,
  audit: AuditContext,
): Promise<CallbackResult> {
  if (!query.code) throw new ConsentFailure("microsoft_error", "sign-in answered without a code");
  const consentedTenant = flow.consentedTenantId!;
  // The same code redemption and id token verification as Sign in with Microsoft (oidc-sign-in.ts).
  const payload = await redeemSignInCode(deps, {
    authority: consentedTenant,
    code: query.code,
    redirectUri: redirectUri(deps),
    codeVerifier: deps.secrets.open(flow.codeVerifierSealed, VERIFIER_AD),
    scope: "openid profile",
  })
    .then((idToken) => verifyIdToken(deps, idToken, { nonce: flow.nonce, tenantId: consentedTenant }))
    .catch((error: Error) => {
      if (error instanceof MicrosoftSignInError) throw new ConsentFailure("microsoft_error", error.message);
      throw error;
    });
  const tid = String(payload.tid ?? "").toLowerCase();
  if (tid !== consentedTenant) throw new ConsentFailure("tenant_mismatch");
  if (flow.expectedTenantId && tid !== flow.expectedTenantId) throw new ConsentFailure("wrong_tenant");
  const adminUpn = String(payload.preferred_username ?? "");
  const adminObjectId = String(payload.oid ?? "");

  if (await consentRepository(deps.db).tenantConnectedElsewhere(tid, flow.enterpriseAccountId))
    throw new ConsentFailure("tenant_linked_elsewhere");

  // The tenant's default domain, read with the app's own (just consented) Graph permission.
  const client = await deps.microsoft.tenant(tid, { maxInlineWaitSeconds: 5, attempts: 2 });
  const organization = await client.graph.organization();
  const tenantDomain =
    organization.verifiedDomains.find((d) => d.isDefault)?.name ??
    adminUpn.split("@")[1] ??
    organization.displayName;

  const before = await deps.db.transaction(async (tx) => {
    const flows = consentRepository(tx);
    const before = await flows.lockConnection(flow.enterpriseAccountId, tx);
    // Checked again here, not only when the attempt started: the enterprise may have been linked since.
    if (before && before.tenantId !== tid && !flow.replacesTenant)
      throw new ConsentFailure("wrong_tenant", `signed in to ${tid}, linked to ${before.tenantId}`);
    const replaced = before !== undefined && before.tenantId !== tid;
    const values = {
      tenantId: tid,
      tenantDomain,
      adminUpn,
      adminObjectId,
      status: "connected" as const,
      connectedAt: new Date(),
      disconnectedAt: null,
    };
    await flows.saveConnection(flow.enterpriseAccountId, values);
    await flows.updateFlow(flow.id, { stage: "done", outcome: "connected", adminUpn, tenantDomain });
    await recordAudit(tx, replaced ? await starterOf(tx, flow, audit) : audit, {
      action: replaced ? "microsoft.replace" : "microsoft.connect",
      accountId: flow.enterpriseAccountId,
      targetType: "microsoft-tenant",
      targetId: tid,
      before,
      after: { ...values, enterpriseAccountId: flow.enterpriseAccountId },
    });
    await emitEvent(tx, {
      accountId: flow.enterpriseAccountId,
      type: "consent.granted",
      data: { enterpriseId: flow.enterpriseAccountId, tenantId: tid },
    });
    return before;
  });
  if (before && before.tenantId !== tid) {
    const starter = await starterOf(deps.db, flow, audit);
    // The replacement is done; a mail that cannot be sent must not turn it into a failed attempt.
    await notifyTenantReplaced(deps, {
      enterpriseAccountId: flow.enterpriseAccountId,
      from: before.tenantDomain,
      to: tenantDomain,
      by: starter.actor?.email ?? null,
    }).catch((error: Error) =>
      deps.log.error(
        { enterpriseAccountId: flow.enterpriseAccountId, error: error.message },
        "tenant replacement notice not sent",
      ),
    );
  }
  return { kind: "done", flowId: flow.id };
}

/**
 * The callback arrives without a portal session; a replacement is attributed to the Admin who asked for it.
 */
async function starterOf(db: Executor, flow: ConsentFlow, audit: AuditContext): Promise<AuditContext> {
  if (!flow.startedByUserId) return audit;
  const user = await userDirectory(db).findById(flow.startedByUserId);
  if (!user) return audit;
  return { ...audit, actor: { userId: user.id, email: user.email, account: { id: user.accountId } } };
}

async function fail(db: Database, flow: ConsentFlow, code: ConsentErrorCode, detail?: string) {
  await consentRepository(db).updateFlow(flow.id, {
    outcome: "failed",
    errorCode: code,
    errorMessage: detail?.slice(0, 1000) ?? null,
  });
}
