import { ACTIVATION_USER_PREFIX } from "../direct-routing-setup/index.js";
import { type DeltaUser, TEAMS_PHONE_PLAN_ID, TEAMS_PHONE_VIRTUAL_USER_PLAN_ID } from "../microsoft/index.js";

export { TEAMS_PHONE_PLAN_ID };

/**
 * Whether a synced user can get Teams calling, decided during sync so the Users page shows why not before anyone
 * tries to enable the user. On top of the user's own facts (enabled, member, not a resource account, Teams Phone
 * plan: `eligibilityOf`), Teams itself must serve the user:
 * - the Teams service plan TEAMS1 must be enabled: Teams Phone Standard (MCOEV) is an add-on that works only with
 *   a licence that includes Teams (Microsoft 365/Office 365 suites, or Microsoft Teams Enterprise next to a suite
 *   "(no Teams)");
 * - Graph's teamsUserConfiguration.accountType (learn.microsoft.com/graph/api/resources/
 *   teamsadministration-teamsuserconfiguration) must not be `sfbOnPremUser` (homed in Skype for Business Server on
 *   premises) or `ineligibleUser` (not eligible for Teams).
 */

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

/** TEAMS1, the Microsoft Teams service plan ("Product names and service plan identifiers for licensing"). */
export const TEAMS_SERVICE_PLAN_ID = "57ff2da0-773e-42df-b2af-ffb7a2317929";

export const NO_TEAMS_LICENCE =
  "No Microsoft Teams licence (service plan TEAMS1): Teams Phone needs a licence that includes Teams";

/** Reasons per unusable teamsUserConfiguration.accountType (the same wording provisioning uses at enable time). */
export const UNUSABLE_ACCOUNT_TYPES: Readonly<Record<string, string>> = {
  sfbOnPremUser:
    "Homed in Skype for Business Server on premises (accountType sfbOnPremUser): move the user to Teams first",
  ineligibleUser: "Not eligible for Teams (accountType ineligibleUser): assign a licence that includes Teams",
};

export const ACCOUNT_TYPE_REASONS: readonly string[] = Object.values(UNUSABLE_ACCOUNT_TYPES);

export interface Eligibility {
  eligible: boolean;
  reason: string | null;
  hasTeamsPhone: boolean;
}

export function hasTeamsService(user: DeltaUser): boolean {
  return (user.assignedPlans ?? []).some(
    (p) => p.servicePlanId.toLowerCase() === TEAMS_SERVICE_PLAN_ID && p.capabilityStatus === "Enabled",
  );
}

/** Eligibility as the sync stores it; `accountType` is the user's teamsUserConfiguration.accountType when known. */
export function syncEligibility(user: DeltaUser, accountType?: string | null): Eligibility {
  const own = eligibilityOf(user);
  if (!own.eligible) return own;
  const unusable = accountType ? UNUSABLE_ACCOUNT_TYPES[accountType] : undefined;
  if (unusable) return { eligible: false, reason: unusable, hasTeamsPhone: own.hasTeamsPhone };
  if (!hasTeamsService(user))
    return { eligible: false, reason: NO_TEAMS_LICENCE, hasTeamsPhone: own.hasTeamsPhone };
  return own;
}
