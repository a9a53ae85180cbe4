import { ACTIVATION_USER_PREFIX } from "../direct-routing-setup/index.js";
import {
  type DeltaUser,
  type MicrosoftDeps,
  TEAMS_PHONE_PLAN_ID,
  TEAMS_PHONE_VIRTUAL_USER_PLAN_ID,
  type TeamsVoiceOptions,
  type VoiceApi,
} from "../microsoft/index.js";

export type { DeltaUser, VoiceApi };
export { TEAMS_PHONE_PLAN_ID };

/** The tenant's Teams voice calls on Graph, through the Microsoft port. */
export async function voiceApi(
  deps: Pick<MicrosoftDeps, "microsoft">,
  tenantId: string,
  options: TeamsVoiceOptions = {},
): Promise<VoiceApi> {
  return (await deps.microsoft.tenant(tenantId, options)).graph.voice;
}

export const DIRECT_ROUTING_ACTIVATION_ACCOUNT =
  "Direct Routing activation account (the portal's own user that activates the trunk domain)";

/** Eligibility of a synced user, with the reason shown on the Users page when not eligible. */
export function eligibilityOf(user: DeltaUser): {
  eligible: boolean;
  reason: string | null;
  hasTeamsPhone: boolean;
} {
  const plans = user.assignedPlans ?? [];
  const hasTeamsPhone = plans.some(
    (p) => p.servicePlanId.toLowerCase() === TEAMS_PHONE_PLAN_ID && p.capabilityStatus === "Enabled",
  );
  const virtualUser = plans.some(
    (p) =>
      p.servicePlanId.toLowerCase() === TEAMS_PHONE_VIRTUAL_USER_PLAN_ID && p.capabilityStatus === "Enabled",
  );
  if (user.isResourceAccount || virtualUser)
    return { eligible: false, reason: "Resource account", hasTeamsPhone };
  if (user.userPrincipalName?.toLowerCase().startsWith(`${ACTIVATION_USER_PREFIX}@`))
    return { eligible: false, reason: DIRECT_ROUTING_ACTIVATION_ACCOUNT, hasTeamsPhone };
  if (user.accountEnabled === false) return { eligible: false, reason: "Account disabled", hasTeamsPhone };
  if (user.userType === "Guest")
    return { eligible: false, reason: "Guest account (not homed in this tenant)", hasTeamsPhone };
  if (!hasTeamsPhone) return { eligible: false, reason: "No Teams Phone licence", hasTeamsPhone };
  return { eligible: true, reason: null, hasTeamsPhone };
}
