import { and, eq, gt } from "drizzle-orm";
import type { Config } from "../../config/config.js";
import { hashToken, randomToken } from "../../crypto/tokens.js";
import type { Database } from "../../db/client.js";
import { Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/repository.js";
import type { Mailer } from "../mail/mailer.js";
import { composeMail } from "../mail/templates.js";
import type { Account } from "../tenancy/schema.js";
import { type MicrosoftDeps, microsoftRuntime } from "./runtime.js";
import { type MicrosoftConnection, microsoftAuthorizationRequests, microsoftConnections } from "./schema.js";

export const AUTHORIZATION_REQUEST_DAYS = 7;

export async function findConnection(
  db: Database,
  enterpriseAccountId: string,
): Promise<MicrosoftConnection | undefined> {
  const [row] = await db
    .select()
    .from(microsoftConnections)
    .where(eq(microsoftConnections.enterpriseAccountId, enterpriseAccountId));
  return row;
}

/** The tenant of a connected enterprise, or undefined. */
export async function connectedTenant(db: Database, enterpriseAccountId: string) {
  const row = await findConnection(db, enterpriseAccountId);
  return row?.status === "connected" ? row : undefined;
}

/** Marks the link as disconnected (nothing is removed from the tenant; deleting the enterprise does that). */
export async function disconnect(db: Database, audit: AuditContext, enterprise: Account): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(microsoftConnections)
      .where(eq(microsoftConnections.enterpriseAccountId, enterprise.id));
    if (before?.status !== "connected")
      throw Problem.conflict("This enterprise is not connected to Microsoft Teams.");
    await tx
      .update(microsoftConnections)
      .set({ status: "disconnected", disconnectedAt: new Date() })
      .where(eq(microsoftConnections.enterpriseAccountId, enterprise.id));
    await recordAudit(tx, audit, {
      action: "microsoft.disconnect",
      accountId: enterprise.id,
      targetType: "microsoft-tenant",
      targetId: before.tenantId,
      before,
    });
  });
}

/** Emails the customer admin a link that starts "Connect to Microsoft Teams" without signing in to the portal. */
export async function sendAuthorizationRequest(
  deps: MicrosoftDeps & { db: Database; mailer: Mailer; config: Config },
  audit: AuditContext,
  enterprise: Account,
  input: { email: string; name: string },
): Promise<void> {
  const token = randomToken(32);
  const expiresAt = new Date(Date.now() + AUTHORIZATION_REQUEST_DAYS * 86_400_000);
  const settings = await microsoftRuntime(deps).settings();
  await deps.db.transaction(async (tx) => {
    await tx.insert(microsoftAuthorizationRequests).values({
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
        `The link expires in ${AUTHORIZATION_REQUEST_DAYS} days.`,
      ],
      links: [
        { label: "Connect to Microsoft Teams", url: `${deps.config.publicUrl}/microsoft/authorize/${token}` },
      ],
    }),
  );
}

/** The enterprise an emailed authorization link belongs to, if the link is still valid. */
export async function findAuthorizationRequest(db: Database, token: string) {
  const [row] = await db
    .select()
    .from(microsoftAuthorizationRequests)
    .where(
      and(
        eq(microsoftAuthorizationRequests.tokenHash, hashToken(token)),
        gt(microsoftAuthorizationRequests.expiresAt, new Date()),
      ),
    );
  return row;
}
