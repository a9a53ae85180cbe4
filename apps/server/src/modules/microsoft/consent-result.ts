import type { Database } from "../../db/client.js";
import { effectiveOperatorSettings } from "../operator-settings/index.js";
import {
  CONSENT_ERROR_MESSAGES,
  CONSENT_RETRY_HOURS,
  type ConsentErrorCode,
  startConsent,
} from "./consent-flow.js";
import { consentRepository } from "./consent-repository.js";
import type { MicrosoftDeps } from "./runtime.js";

/** The end of an attempt: the result page and its "Try again". */

export interface ConsentFlowView {
  outcome: "pending" | "connected" | "failed";
  errorCode: ConsentErrorCode | null;
  message: string | null;
  adminUpn: string | null;
  tenantDomain: string | null;
  portalName: string;
  enterpriseAccountId: string;
  enterpriseName: string;
}

/** The result of an attempt, for the confirmation (or failure) page. Known only to whoever holds the state. */
export async function consentFlowView(
  deps: MicrosoftDeps & { db: Database },
  flowId: string,
): Promise<ConsentFlowView | null> {
  const row = await consentRepository(deps.db).findFlowWithName(flowId);
  if (!row || row.flow.createdAt.getTime() < Date.now() - 24 * 3600_000) return null;
  const settings = await effectiveOperatorSettings(deps);
  const code = row.flow.errorCode as ConsentErrorCode | null;
  return {
    outcome: row.flow.outcome,
    errorCode: code,
    message: code ? CONSENT_ERROR_MESSAGES[code] : null,
    adminUpn: row.flow.adminUpn,
    tenantDomain: row.flow.tenantDomain,
    portalName: settings.portalDisplayName,
    enterpriseAccountId: row.flow.enterpriseAccountId,
    enterpriseName: row.name,
  };
}

export type RetryRefusal = "unknown" | "connected" | "not-yours";

/**
 * Starts a new attempt for the same enterprise (the "Try again" button of a failure page), bound like the
 * first one. A replacing attempt can only be retried by the Admin who started it, signed in.
 */
export async function retryConsent(
  deps: MicrosoftDeps & { db: Database },
  flowId: string,
  actorUserId: string | null,
): Promise<{ flowId: string; authorizeUrl: string } | RetryRefusal> {
  const flow = await consentRepository(deps.db).findFlow(flowId);
  const retryUntil =
    flow?.retryUntil ?? new Date((flow?.createdAt.getTime() ?? 0) + CONSENT_RETRY_HOURS * 3600_000);
  if (!flow || retryUntil.getTime() < Date.now()) return "unknown";
  if (flow.outcome === "connected") return "connected";
  if (flow.replacesTenant && (!actorUserId || actorUserId !== flow.startedByUserId)) return "not-yours";
  return startConsent(deps, {
    enterpriseAccountId: flow.enterpriseAccountId,
    startedByUserId: flow.startedByUserId,
    forceSignIn: true,
    replacesTenant: flow.replacesTenant,
    retryUntil,
  });
}
