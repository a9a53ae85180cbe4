import { userConfigurationEntity } from "../graph/entities.js";
import { domainActivatedAt } from "../state/activation.js";
import type { Tenant, User } from "../state/model.js";
import { numbersOfUser } from "../state/numbers.js";
import { tenantNow } from "../state/users.js";

/** A user as the Teams admin surface (`/Teams.User/users`, Get-CsOnlineUser) shows it; camelCase keys. */
export function onlineUserView(tenant: Tenant, u: User): Record<string, unknown> {
  const config = userConfigurationEntity(tenant, u);
  const primary = numbersOfUser(tenant, u.id).find((n) => n.assignmentCategory === "primary");
  return {
    objectId: u.id,
    identity: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    sipAddress: `sip:${u.userPrincipalName}`,
    accountEnabled: u.accountEnabled,
    accountType: u.isResourceAccount ? "ResourceAccount" : "User",
    usageLocation: u.usageLocation,
    enterpriseVoiceEnabled: u.voice.enterpriseVoiceEnabled,
    lineUri: primary ? `tel:${primary.telephoneNumber}` : null,
    featureTypes: config.featureTypes,
    hostingProvider: "sipfed.online.lync.com",
    teamsUpgradeEffectiveMode: "TeamsOnly",
    onlineVoiceRoutingPolicy: u.voice.policies.OnlineVoiceRoutingPolicy ?? null,
    tenantDialPlan: u.voice.policies.TenantDialPlan ?? null,
    callingLineIdentity: u.voice.policies.CallingLineIdentity ?? null,
    onlineVoicemailPolicy: u.voice.policies.OnlineVoicemailPolicy ?? null,
    teamsCallingPolicy: u.voice.policies.TeamsCallingPolicy ?? null,
    effectivePolicyAssignments: config.effectivePolicyAssignments,
    assignedPlan: [...u.plans.values()]
      .filter((p) => p.capabilityStatus === "Enabled")
      .map((p) => ({
        capability: p.service,
        capabilityStatus: p.capabilityStatus,
        servicePlanId: p.servicePlanId,
      })),
    whenChanged: u.voice.modifiedDateTime,
    whenCreated: u.createdDateTime,
  };
}

/**
 * Domains that Teams considers SIP domains: verified, and "Enabled" once activated — a user there holds a licence
 * that includes Teams and the activation delay has passed (state/activation.ts).
 */
export function sipDomains(tenant: Tenant, activationDelayMs: number): { Name: string; Status: string }[] {
  return [...tenant.domains.values()]
    .filter((d) => d.isVerified)
    .map((d) => {
      const at = domainActivatedAt(tenant, d.id, activationDelayMs);
      const active = at !== null && at <= tenantNow(tenant);
      return { Name: d.id, Status: active ? "Enabled" : "Disabled" };
    });
}
