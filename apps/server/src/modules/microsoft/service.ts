import type { Config } from "../../config/config.js";
import { hashToken, randomToken } from "../../crypto/tokens.js";
import type { Database, Executor } from "../../db/client.js";
import { Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { composeMail, type Mailer } from "../mail/index.js";
import { effectiveOperatorSettings } from "../operator-settings/index.js";
import { type Account, type TenantScope, tenantScope } from "../tenancy/index.js";
import { emitEvent } from "../webhooks/index.js";
import { startConsent } from "./consent-flow.js";
import { connectionsRepository } from "./repository.js";
import type { MicrosoftDeps } from "./runtime.js";
import type { MicrosoftConnection } from "./schema.js";

export const AUTHORIZATION_REQUEST_HOURS = 24;

export async function findConnection(
  db: Database,
  enterpriseAccountId: string,
): Promise<MicrosoftConnection | undefined> {
  return connectionsRepository(db).platform.findByEnterprise(enterpriseAccountId);
}

/** The tenant of a connected enterprise, or undefined. */
export async function connectedTenant(db: Database, enterpriseAccountId: string) {
  const row = await findConnection(db, enterpriseAccountId);
  return row?.status === "connected" ? row : undefined;
}

/** Marks the link as disconnected (nothing is removed from the tenant; deleting the enterprise does that). */
export async function disconnect(db: Database, audit: AuditContext, enterprise: Account): Promise<void> {
  await db.transaction(async (tx) => {
    const connections = connectionsRepository(tx);
    const before = await connections.find(tenantScope(enterprise), enterprise.id);
    if (before?.status !== "connected")
      throw Problem.conflict("This enterprise is not connected to Microsoft Teams.");
    await connections.markDisconnected(tenantScope(enterprise), enterprise.id);
    await recordAudit(tx, audit, {
      action: "microsoft.disconnect",
      accountId: enterprise.id,
      targetType: "microsoft-tenant",
      targetId: before.tenantId,
      before,
    });
    await emitEvent(tx, {
      accountId: enterprise.id,
      type: "consent.revoked",
      data: { enterpriseId: enterprise.id, tenantId: before.tenantId },
    });
  });
}

/**
 * Emails the customer admin a link that starts "Connect to Microsoft Teams" without signing in to the portal.
 * The link works once, for AUTHORIZATION_REQUEST_HOURS, and replaces any earlier link of the enterprise.
 * Its token travels in the URL fragment, which browsers never send, so it stays out of access logs.
 */
export async function sendAuthorizationRequest(
  deps: MicrosoftDeps & { db: Database; mailer: Mailer; config: Config },
  audit: AuditContext,
  enterprise: Account,
  input: { email: string; name: string },
): Promise<void> {
  const token = randomToken(32);
  const expiresAt = new Date(Date.now() + AUTHORIZATION_REQUEST_HOURS * 3600_000);
  const settings = await effectiveOperatorSettings(deps);
  await deps.db.transaction(async (tx) => {
    await connectionsRepository(tx).replaceAuthorizationRequest(tenantScope(enterprise), {
      tokenHash: hashToken(token),
      enterpriseAccountId: enterprise.id,
      email: input.email,
      expiresAt,
    });
    await recordAudit(tx, audit, {
      action: "microsoft.authorization-request",
      accountId: enterprise.id,
      targetType: "email",
      targetId: input.email,
    });
  });
  await deps.mailer.send(
    composeMail({
      to: input.email,
      subject: `Authorize ${settings.portalDisplayName} for Microsoft Teams`,
      portalName: settings.portalDisplayName,
      paragraphs: [
        `Hello ${input.name},`,
        `Your telephony provider asks you to connect ${enterprise.name}'s Microsoft 365 tenant to ${settings.portalDisplayName}, so it can configure calling for Microsoft Teams.`,
        "This is a one-time step that takes about 5 minutes and needs your Microsoft 365 Global Admin credentials.",
        `The link expires in ${AUTHORIZATION_REQUEST_HOURS} hours and works once.`,
      ],
      links: [
        {
          label: "Connect to Microsoft Teams",
          url: `${deps.config.publicUrl}/microsoft/authorize#token=${encodeURIComponent(token)}`,
        },
      ],
    }),
  );
}

/**
 * Spends an emailed link: marks it used and returns its enterprise, or undefined when the link is unknown,
 * expired, already used or replaced. Run it in the transaction that starts the consent flow.
 */
export async function consumeAuthorizationRequest(db: Executor, token: string) {
  return connectionsRepository(db).platform.consumeAuthorizationRequest(hashToken(token));
}

export const LINK_UNUSABLE =
  "This authorization link has expired or was already used. Ask your telephony provider for a new one.";

/** The emailed link: spends it and starts the consent flow of its enterprise, both or neither. */
export async function connectFromAuthorizationRequest(
  deps: MicrosoftDeps & { db: Database },
  token: string,
): Promise<{ flowId: string; authorizeUrl: string }> {
  return deps.db.transaction(async (tx) => {
    const request = await consumeAuthorizationRequest(tx, token);
    if (!request) throw Problem.notFound(LINK_UNUSABLE);
    return startConsent(deps, {
      enterpriseAccountId: request.enterpriseAccountId,
      startedByUserId: null,
      tx,
    });
  });
}

/**
 * "Connect a different Microsoft 365 tenant": the only way to link an enterprise to a tenant other than the
 * one it is (or was) linked to. An Admin asks for it explicitly; the request is audited with the attempt.
 */
export async function requestTenantReplacement(
  deps: MicrosoftDeps & { db: Database },
  audit: AuditContext,
  enterprise: Account,
  startedByUserId: string,
): Promise<{ flowId: string; authorizeUrl: string }> {
  return deps.db.transaction(async (tx) => {
    const current = await connectionsRepository(tx).find(tenantScope(enterprise), enterprise.id);
    if (!current)
      throw Problem.conflict(
        "This enterprise has no Microsoft 365 tenant to replace yet. Use Connect to Microsoft Teams.",
      );
    const started = await startConsent(deps, {
      enterpriseAccountId: enterprise.id,
      startedByUserId,
      replacesTenant: true,
      forceSignIn: true,
      tx,
    });
    await recordAudit(tx, audit, {
      action: "microsoft.replace-requested",
      accountId: enterprise.id,
      targetType: "microsoft-tenant",
      targetId: current.tenantId,
      before: current,
    });
    return started;
  });
}

/** How many of the scope's enterprises are connected to Microsoft 365 (the onboarding dashboard). */
export function countConnectedTenants(db: Executor, scope: TenantScope): Promise<number> {
  return connectionsRepository(db).countConnected(scope);
}

/** The connection state of each of the enterprises that has a connection within the scope. */
export function connectionStatesOf(db: Executor, scope: TenantScope, enterpriseAccountIds: string[]) {
  return connectionsRepository(db).statusesOf(scope, enterpriseAccountIds);
}
