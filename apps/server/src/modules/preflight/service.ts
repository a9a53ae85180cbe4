import { connectedTenant, MicrosoftApiError } from "../microsoft/index.js";
import { effectiveOperatorSettings, listRegions } from "../operator-settings/index.js";
import { findTeamsProfile } from "../teams-profiles/index.js";
import { findTrunkProfile } from "../trunks/index.js";
import { activationAccount, consent, domain, teamsAdministrator } from "./checks/microsoft-tenant.js";
import { dialPlan, pstnUsage, voiceRoutes, voiceRoutingPolicies } from "./checks/teams-voice.js";
import { carrierTrunk, derivedTrunk, dnsRecord, sbcOptions } from "./checks/trunk.js";
import { type Check, type Context, PREFLIGHT_CLIENT } from "./context.js";
import type { PreflightDeps } from "./deps.js";
import { notOk, type PreflightLine } from "./policies.js";

export type { PreflightDeps } from "./deps.js";

export interface PreflightReport {
  enterpriseAccountId: string;
  checkedAt: string;
  lines: PreflightLine[];
}

/** The lines, in the order the page shows them; later lines may read earlier ones (`ctx.seen`). */
const CHECKS: { id: string; label: string; check: Check }[] = [
  { id: "consent", label: "Consent and the app's permissions", check: consent },
  { id: "teams-administrator", label: "Teams Administrator role of the app", check: teamsAdministrator },
  { id: "domain", label: "Trunk subdomain verified", check: domain },
  {
    id: "activation-account",
    label: "Activation account licensed (activates the subdomain)",
    check: activationAccount,
  },
  { id: "carrier-trunk", label: "Carrier trunk (base domain) in the carrier's tenant", check: carrierTrunk },
  { id: "derived-trunk", label: "Derived trunk of the enterprise", check: derivedTrunk },
  { id: "dns", label: "DNS record of the trunk resolves to the SBC", check: dnsRecord },
  { id: "sbc-options", label: "SBC OPTIONS with Microsoft's SIP proxies", check: sbcOptions },
  { id: "pstn-usage", label: "PSTN usage", check: pstnUsage },
  { id: "voice-routes", label: "Voice routes to the trunk", check: voiceRoutes },
  { id: "voice-routing-policies", label: "Voice routing policies", check: voiceRoutingPolicies },
  { id: "dial-plan", label: "Tenant dial plan", check: dialPlan },
];

/** A check that could not finish says why, instead of failing the whole report. */
function couldNotCheck(id: string, label: string, error: unknown): PreflightLine {
  if (error instanceof MicrosoftApiError && error.status === 403)
    return notOk(
      id,
      label,
      "failed",
      `Microsoft refused the check (403 ${error.code}): ${error.message}`,
      "Check the app's permissions and the Teams Administrator role (the first lines), then run again.",
    );
  return notOk(
    id,
    label,
    "unknown",
    `Could not check: ${(error as Error).message}`,
    "Run again in a few minutes; if it persists, check the lines above.",
  );
}

/**
 * The enterprise's tenant health check. Reads only: Graph GETs, Get-Cs* cmdlets, DNS lookups and the SBC's
 * status; our own state through other modules' services.
 */
export async function runPreflight(
  deps: PreflightDeps,
  enterpriseAccountId: string,
): Promise<PreflightReport> {
  const settings = await effectiveOperatorSettings(deps);
  const connection = await connectedTenant(deps.db, enterpriseAccountId);
  const tenantId = connection?.tenantId ?? null;
  const microsoft = tenantId ? await deps.microsoft.tenant(tenantId, PREFLIGHT_CLIENT) : null;
  const ctx: Context = {
    deps,
    enterpriseAccountId,
    settings,
    tenantId,
    trunk: await findTrunkProfile(deps.db, enterpriseAccountId),
    teams: await findTeamsProfile(deps.db, enterpriseAccountId),
    regions: await listRegions(deps.db),
    graph: microsoft?.graph ?? null,
    teamsConfig: microsoft?.teamsPowerShell ?? null,
    seen: new Map(),
  };
  const lines: PreflightLine[] = [];
  for (const { id, label, check } of CHECKS) {
    const line = await check(ctx).catch((error: unknown) => couldNotCheck(id, label, error));
    ctx.seen.set(id, line);
    lines.push(line);
  }
  return { enterpriseAccountId, checkedAt: new Date().toISOString(), lines };
}
