import { RetryLater } from "../../jobs/define-job.js";
import { MicrosoftApiError } from "./api-client.js";
import { PowerShellError } from "./teams-powershell/runner.js";
import { MicrosoftNotConfigured } from "./tokens.js";

/** Something Microsoft does on its own schedule; the delays are Microsoft's published ones where it has any. */
export interface MicrosoftWait {
  /** What is awaited, as the checklist shows it after "Waiting for Microsoft: ". */
  what: string;
  usualDelaySeconds: number;
  maxDelaySeconds: number;
  /** What a partner can do once the maximum delay has passed. */
  whenOverdue: string;
}

const HOUR = 3600;

export const MICROSOFT_WAITS = {
  // "Application-based authentication in Teams PowerShell Module" (learn.microsoft.com/microsoftteams/
  // teams-powershell-application-authentication): the app's service principal needs the Teams Administrator
  // role; only tokens issued after the role reached the token service carry it (`wids`). Microsoft publishes
  // no figure; minutes in practice, so we allow 2 hours before giving up.
  rolePropagation: {
    what: "Teams Administrator role propagation",
    usualDelaySeconds: 5 * 60,
    maxDelaySeconds: 2 * HOUR,
    whenOverdue:
      "Check in the Microsoft Entra admin center that the app's service principal holds the Teams Administrator role, then click Check now.",
  },
  // "Configure a Session Border Controller for multiple tenants" (learn.microsoft.com/microsoftteams/direct-
  // routing-sbc-multiple-tenants): a subdomain is activated once a user in it holds a Teams licence; "it can take
  // up to 24 hours".
  domainActivation: {
    what: "domain activation",
    usualDelaySeconds: HOUR,
    maxDelaySeconds: 24 * HOUR,
    whenOverdue:
      "Check that the activation user in the subdomain holds a licence that includes Teams, then click Check now.",
  },
  // "Assign, change, or remove a phone number for a user" / Teams Phone licensing: provisioning of a newly
  // licensed user "typically takes under 30 minutes and can take up to 24 hours".
  teamsProvisioning: {
    what: "Teams provisioning of the user",
    usualDelaySeconds: 30 * 60,
    maxDelaySeconds: 24 * HOUR,
    whenOverdue:
      "Check in the Teams admin center that the user exists in Teams with a Teams Phone licence, then click Check now.",
  },
} as const satisfies Record<string, MicrosoftWait>;

/** Thrown when Microsoft has not finished something it does on its own; the job checks again later. */
export class WaitingForMicrosoft extends Error {
  constructor(readonly wait: MicrosoftWait) {
    super(`Waiting for Microsoft: ${wait.what}`);
    this.name = "WaitingForMicrosoft";
  }
}

export type MicrosoftFailure =
  | { kind: "permanent"; message: string }
  | { kind: "retryLater"; seconds: number; message: string }
  | { kind: "waitingForMicrosoft"; wait: MicrosoftWait; message: string };

/**
 * A Teams admin call refused for want of a role: 403 on the Teams admin surface, or Connect-MicrosoftTeams /
 * a cmdlet answering "not authorized". After the role was assigned this is propagation, not a verdict.
 */
export function isTeamsAdminNotAuthorized(error: unknown): boolean {
  if (error instanceof PowerShellError) {
    return (
      error.details.category === "AuthenticationError" ||
      error.details.category === "PermissionDenied" ||
      /\b403\b|forbidden|not authorized|unauthorized|administrator role/i.test(error.message)
    );
  }
  return error instanceof MicrosoftApiError && error.status === 403 && error.path.startsWith("/Teams.");
}

/** A voice route naming a derived trunk whose subdomain Teams has not activated yet. */
export function isDomainNotActivated(error: unknown): boolean {
  return error instanceof PowerShellError && /\bnot activated\b/i.test(error.message);
}

/** assignNumber's operation failed because Teams has not provisioned the newly licensed user yet. */
export function isTeamsProvisioningPending(error: unknown): boolean {
  return error instanceof MicrosoftApiError && /not provisioned in Microsoft Teams yet/i.test(error.message);
}

/**
 * The one place that decides what a Microsoft failure means. `transient` failures (5xx, network, a dead
 * PowerShell) are neither: the job queue retries them with its own back-off.
 */
export function classifyMicrosoftFailure(
  error: unknown,
  context: { teamsAdminRoleAssigned?: boolean } = {},
): MicrosoftFailure | { kind: "transient"; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof WaitingForMicrosoft) return { kind: "waitingForMicrosoft", wait: error.wait, message };
  if (error instanceof RetryLater) return { kind: "retryLater", seconds: error.seconds, message };
  if (isTeamsProvisioningPending(error))
    return { kind: "waitingForMicrosoft", wait: MICROSOFT_WAITS.teamsProvisioning, message };
  if (isDomainNotActivated(error))
    return { kind: "waitingForMicrosoft", wait: MICROSOFT_WAITS.domainActivation, message };
  if (context.teamsAdminRoleAssigned && isTeamsAdminNotAuthorized(error))
    return { kind: "waitingForMicrosoft", wait: MICROSOFT_WAITS.rolePropagation, message };
  if (error instanceof MicrosoftNotConfigured) return { kind: "permanent", message };
  if (error instanceof MicrosoftApiError || error instanceof PowerShellError)
    return error.transient ? { kind: "transient", message } : { kind: "permanent", message };
  return { kind: "transient", message };
}

/**
 * The next check of a wait: 2 s, doubling, at most an hour apart, and never later than the maximum delay; null
 * once the maximum has passed (the step then fails with `whenOverdue`).
 */
export function nextCheckAt(wait: MicrosoftWait, sinceMs: number, checks: number, nowMs = Date.now()) {
  const deadline = sinceMs + wait.maxDelaySeconds * 1000;
  if (nowMs >= deadline) return null;
  const delay = Math.min(2000 * 2 ** Math.min(checks, 20), HOUR * 1000);
  return Math.min(nowMs + delay, deadline);
}
