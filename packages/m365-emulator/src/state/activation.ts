import { PLAN } from "./catalog.js";
import type { Tenant } from "./model.js";

/**
 * "Configure a Session Border Controller for multiple tenants" (learn.microsoft.com/microsoftteams/direct-routing-
 * sbc-multiple-tenants), "Activate the subdomain name": after the subdomain is verified, a user in it must hold a
 * licence that includes Teams (Office 365 E1/E3/E5, Microsoft 365 E3/E5/A/F/G, Business Basic/Standard/Premium,
 * Teams Shared Devices — every one of them carries the Teams service plan, TEAMS1) or be a resource account with
 * the Teams Phone Resource Account licence (MCOEV_VIRTUALUSER); Teams Phone Standard (MCOEV) alone is not listed.
 * "It can take up to 24 hours" before the subdomain is usable for a derived trunk. Returns the tenant time (ms) at
 * which the subdomain is activated, or null when no such user exists yet.
 */
export function domainActivatedAt(tenant: Tenant, domain: string, activationDelayMs: number): number | null {
  const name = domain.toLowerCase();
  const d = tenant.domains.get(name);
  if (!d?.isVerified) return null;
  let earliest: number | null = null;
  for (const user of tenant.users.values()) {
    if (user.userPrincipalName.toLowerCase().split("@")[1] !== name) continue;
    for (const licence of user.licenses) {
      const sku = tenant.skus.find((s) => s.skuId === licence.skuId);
      const plans = (sku?.servicePlans ?? []).filter((p) => !licence.disabledPlans.includes(p.servicePlanId));
      const qualifies =
        plans.some((p) => p.servicePlanId === PLAN.TEAMS1.servicePlanId) ||
        (user.isResourceAccount &&
          plans.some((p) => p.servicePlanId === PLAN.MCOEV_VIRTUALUSER.servicePlanId));
      if (!qualifies) continue;
      const at = Date.parse(licence.assignedDateTime) + activationDelayMs;
      if (earliest === null || at < earliest) earliest = at;
    }
  }
  return earliest;
}
