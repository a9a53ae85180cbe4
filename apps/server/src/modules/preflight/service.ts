import { Resolver } from "node:dns/promises";
import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import { manualRecords, trunkRecordSets } from "../direct-routing-setup/dns/records.js";
import { activationUpn, offeredRegions } from "../direct-routing-setup/steps.js";
import {
  connectedTenant,
  MicrosoftApiError,
  type MicrosoftPort,
  type MicrosoftTenant,
  TEAMS_ADMINISTRATOR_ROLE,
} from "../microsoft/index.js";
import {
  findCarrierGateway,
  gatewayDifferences,
  loadCarrierTrunk,
  operatorAccountId,
  wantedGateway,
} from "../operator-settings/carrier-trunk.js";
import type { SbcRegion } from "../operator-settings/schema.js";
import {
  type EffectiveOperatorSettings,
  effectiveOperatorSettings,
  listRegions,
} from "../operator-settings/service.js";
import type { SbcAdapterHandle } from "../sbc/runtime.js";
import type { TeamsProfile } from "../teams-profiles/schema.js";
import { findTeamsProfile, regionObjectName } from "../teams-profiles/service.js";
import type { TrunkProfile } from "../trunks/schema.js";
import { findTrunkProfile } from "../trunks/service.js";
import {
  activationLicenceFinding,
  dnsFinding,
  missingAppRoles,
  missingIdentities,
  notOk,
  ok,
  type PreflightLine,
} from "./policies.js";

export interface PreflightDeps {
  db: Database;
  config: Config;
  secrets: SecretBox;
  log: Logger;
  microsoft: MicrosoftPort;
  sbc: SbcAdapterHandle;
}

export interface PreflightReport {
  enterpriseAccountId: string;
  checkedAt: string;
  lines: PreflightLine[];
}

/** What the checks share: read once per run. */
interface Context {
  deps: PreflightDeps;
  enterpriseAccountId: string;
  settings: EffectiveOperatorSettings;
  tenantId: string | null;
  trunk: TrunkProfile | undefined;
  teams: TeamsProfile | undefined;
  regions: SbcRegion[];
  graph: MicrosoftTenant["graph"] | null;
  teamsConfig: MicrosoftTenant["teamsPowerShell"] | null;
  /** Results of earlier lines, for lines that depend on them. */
  seen: Map<string, PreflightLine>;
}

type Check = (ctx: Context) => Promise<PreflightLine>;

const CONNECT_FIX =
  "On the enterprise's Authorization page, click Connect to Microsoft Teams and have the customer's Global Admin accept the permissions.";

function needsConnection(id: string, label: string): PreflightLine {
  return notOk(
    id,
    label,
    "unknown",
    "Not checked: the enterprise is not connected to Microsoft Teams.",
    CONNECT_FIX,
  );
}

function needsProfiles(id: string, label: string): PreflightLine {
  return notOk(
    id,
    label,
    "unknown",
    "Not checked: the enterprise has no trunk profile or Teams profile yet.",
    "Complete the enterprise's trunk profile and Teams profile.",
  );
}

const consent: Check = async (ctx) => {
  const id = "consent";
  const label = "Consent and the app's permissions";
  if (!ctx.tenantId)
    return notOk(id, label, "failed", "The enterprise is not connected to Microsoft Teams.", CONNECT_FIX);
  const claims = await (await ctx.deps.microsoft.tenant(ctx.tenantId)).identity.appTokenClaims();
  const roles = claims.roles ?? [];
  const missing = missingAppRoles(roles);
  if (missing.length > 0)
    return notOk(
      id,
      label,
      "failed",
      `The tenant has not granted the app: ${missing.join(", ")}.`,
      `Ask the customer's Global Admin to connect again (Authorization page, Connect to Microsoft Teams) so that the new permissions are accepted.`,
    );
  return ok(id, label, `Admin consent present; the app holds ${roles.length} application permissions.`);
};

const teamsAdministrator: Check = async (ctx) => {
  const id = "teams-administrator";
  const label = "Teams Administrator role of the app";
  if (!ctx.graph) return needsConnection(id, label);
  const spId = await ctx.graph.servicePrincipalId(ctx.settings.microsoft.clientId ?? "");
  if (!spId)
    return notOk(id, label, "failed", "The app has no service principal in the tenant.", CONNECT_FIX);
  const assignments = await ctx.graph.roleAssignments(spId);
  if (!assignments.some((a) => a.roleDefinitionId === TEAMS_ADMINISTRATOR_ROLE))
    return notOk(
      id,
      label,
      "failed",
      "The app's service principal does not hold the Teams Administrator role, so the Teams PowerShell cmdlets are refused.",
      "Run the Direct Routing setup again (it assigns the role), or in Entra ID assign Teams Administrator to the app's enterprise application.",
    );
  return ok(id, label, "The app's service principal holds Teams Administrator.");
};

const domain: Check = async (ctx) => {
  const id = "domain";
  const label = "Trunk subdomain verified";
  if (!ctx.trunk) return needsProfiles(id, label);
  if (!ctx.graph) return needsConnection(id, label);
  const found = await ctx.graph.getDomain(ctx.trunk.fqdn);
  if (!found)
    return notOk(
      id,
      label,
      "failed",
      `${ctx.trunk.fqdn} is not a domain of the tenant.`,
      "Run the Direct Routing setup (Setup page); it adds and verifies the subdomain.",
    );
  if (!found.isVerified)
    return notOk(
      id,
      label,
      "waiting",
      `${ctx.trunk.fqdn} is added but not verified yet.`,
      "Publish the TXT record shown on the Setup page, then click Verify.",
    );
  return ok(id, label, `${ctx.trunk.fqdn} is verified in the tenant.`);
};

const activationAccount: Check = async (ctx) => {
  const id = "activation-account";
  const label = "Activation account licensed (activates the subdomain)";
  if (!ctx.trunk) return needsProfiles(id, label);
  if (!ctx.graph) return needsConnection(id, label);
  const upn = activationUpn(ctx.trunk.fqdn);
  const user = await ctx.graph.getUser(upn);
  if (!user)
    return notOk(
      id,
      label,
      "failed",
      `The activation account ${upn} does not exist, so Microsoft cannot activate the subdomain.`,
      "Run the Direct Routing setup (Setup page); it creates and licenses the activation account.",
    );
  const skus = await ctx.graph.subscribedSkus();
  const partOf = (skuId: string) =>
    skus.find((s) => s.skuId.toLowerCase() === skuId.toLowerCase())?.skuPartNumber ?? skuId;
  const finding = activationLicenceFinding((user.assignedLicenses ?? []).map((l) => partOf(l.skuId)));
  if (finding.status === "ok") return ok(id, label, `${upn}: ${finding.detail}`);
  return notOk(
    id,
    label,
    finding.status,
    `${upn}: ${finding.detail}`,
    "Assign the activation account a licence that includes Teams (Office 365 or Microsoft 365 E/A/F/G, a Business plan, or Teams Shared Devices), then wait for Microsoft to activate the subdomain (up to 24 hours).",
  );
};

const carrierTrunk: Check = async (ctx) => {
  const id = "carrier-trunk";
  const label = "Carrier trunk (base domain) in the carrier's tenant";
  const base = ctx.settings.sbcBaseDomain;
  if (!base)
    return notOk(
      id,
      label,
      "failed",
      "The operator has not set the SBC base domain.",
      "Operator: set the SBC base domain in Operator settings.",
    );
  const operatorId = await operatorAccountId(ctx.deps.db);
  const carrier = operatorId ? await connectedTenant(ctx.deps.db, operatorId) : undefined;
  if (!carrier)
    return notOk(
      id,
      label,
      "failed",
      "The carrier's own Microsoft 365 tenant is not connected, so the base-domain trunk cannot exist.",
      "Operator: in Operator settings, click Connect the carrier tenant.",
    );
  const carrierTenant = await ctx.deps.microsoft.tenant(carrier.tenantId, PREFLIGHT_CLIENT);
  const found = await findCarrierGateway(carrierTenant.teamsPowerShell, base);
  if (!found)
    return notOk(
      id,
      label,
      "failed",
      `There is no PSTN gateway ${base} in the carrier tenant (${carrier.tenantDomain}).`,
      "Operator: in Operator settings, click Re-apply on the carrier trunk.",
    );
  const differences = gatewayDifferences(found, wantedGateway(base, await loadCarrierTrunk(ctx.deps.db)));
  if (differences.length > 0)
    return notOk(
      id,
      label,
      "failed",
      `The gateway ${base} differs from the carrier trunk settings: ${differences.join(", ")}.`,
      "Operator: in Operator settings, click Re-apply on the carrier trunk.",
    );
  return ok(id, label, `${base} exists in ${carrier.tenantDomain}, enabled, with the configured parameters.`);
};

const derivedTrunk: Check = async (ctx) => {
  const id = "derived-trunk";
  const label = "Derived trunk of the enterprise";
  if (!ctx.trunk) return needsProfiles(id, label);
  const base = ctx.settings.sbcBaseDomain;
  if (!base || !ctx.trunk.fqdn.toLowerCase().endsWith(`.${base.toLowerCase()}`))
    return notOk(
      id,
      label,
      "failed",
      `${ctx.trunk.fqdn} is not a subdomain of the carrier's base domain ${base ?? "(not set)"}.`,
      "Save the trunk profile again so that its FQDN is derived from the current base domain.",
    );
  const blockers = ["carrier-trunk", "domain"].filter((key) => ctx.seen.get(key)?.status !== "ok");
  if (blockers.length > 0)
    return notOk(
      id,
      label,
      "failed",
      `${ctx.trunk.fqdn} is valid only when the carrier trunk exists and the subdomain is verified; see ${blockers
        .map((key) => `"${ctx.seen.get(key)?.label}"`)
        .join(" and ")}.`,
      "Fix the lines named above; this line follows.",
    );
  return ok(id, label, `${ctx.trunk.fqdn} derives from the carrier trunk ${base}.`);
};

function resolverFor(config: Config): Resolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  const servers = (config.PREFLIGHT_DNS_SERVERS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length > 0) resolver.setServers(servers);
  return resolver;
}

const noData = (error: unknown) =>
  ["ENODATA", "ENOTFOUND", "NXDOMAIN"].includes((error as { code?: string }).code ?? "");

const dnsRecord: Check = async (ctx) => {
  const id = "dns";
  const label = "DNS record of the trunk resolves to the SBC";
  if (!ctx.trunk) return needsProfiles(id, label);
  const target = ctx.settings.trunkRecord;
  if (!target)
    return notOk(
      id,
      label,
      "failed",
      "Operator settings do not say what the trunk FQDN should point at (the SBC's addresses or FQDN).",
      "Operator: set the trunk FQDN record in Operator settings.",
    );
  const resolver = resolverFor(ctx.deps.config);
  const fqdn = ctx.trunk.fqdn;
  const resolved: string[] = [];
  const lookups =
    target.type === "CNAME"
      ? [() => resolver.resolveCname(fqdn)]
      : [() => resolver.resolve4(fqdn), () => resolver.resolve6(fqdn)];
  for (const lookup of lookups) {
    try {
      resolved.push(...(await lookup()));
    } catch (error) {
      if (!noData(error)) throw error;
    }
  }
  const finding = dnsFinding(fqdn, target, resolved);
  if (finding.ok) return ok(id, label, finding.detail);
  const records = manualRecords(trunkRecordSets(fqdn, target))
    .map((r) => `${r.name} ${r.type} ${r.value} (TTL ${r.ttl})`)
    .join("; ");
  return notOk(id, label, "failed", finding.detail, `Publish in DNS: ${records}.`);
};

const sbcOptions: Check = async (ctx) => {
  const id = "sbc-options";
  const label = "SBC OPTIONS with Microsoft's SIP proxies";
  const status = await (await ctx.deps.sbc.get()).status(ctx.enterpriseAccountId);
  if (!status.live.configured || !status.live.reachable)
    return notOk(
      id,
      label,
      "unknown",
      `The SBC's live state cannot be read${status.live.error ? `: ${status.live.error}` : "."}`,
      "Operator: set KAMAILIO_RPC_URL so the portal can read the SBC's OPTIONS state, and check that the SBC runs.",
    );
  const up = status.microsoftProxies.filter((p) => p.state === "reachable");
  if (up.length === 0)
    return notOk(
      id,
      label,
      "failed",
      `No OPTIONS answer from Microsoft's SIP proxies (${status.microsoftProxies.map((p) => `${p.uri}: ${p.state}`).join(", ") || "none configured"}).`,
      "Operator: check the SBC's certificate (the base domain), TLS 1.2 on port 5061 and the firewall towards 52.112.0.0/14 and 52.122.0.0/15.",
    );
  return ok(id, label, `OPTIONS answered by ${up.map((p) => p.uri).join(", ")}.`);
};

const setupFix = "Run the Direct Routing setup again (Setup page, Check now); it recreates what is missing.";

const pstnUsage: Check = async (ctx) => {
  const id = "pstn-usage";
  const label = "PSTN usage";
  if (!ctx.teams) return needsProfiles(id, label);
  if (!ctx.teamsConfig) return needsConnection(id, label);
  const usages = await ctx.teamsConfig.pstnUsages();
  if (missingIdentities(usages, [ctx.teams.pstnUsage]).length > 0)
    return notOk(id, label, "failed", `The PSTN usage ${ctx.teams.pstnUsage} is missing.`, setupFix);
  return ok(id, label, `${ctx.teams.pstnUsage} exists.`);
};

const expectedNames = (ctx: Context) =>
  ctx.teams
    ? offeredRegions({ teams: ctx.teams, regions: ctx.regions }).map((r) =>
        regionObjectName(ctx.teams!.pstnUsage, r.name),
      )
    : [];

const voiceRoutes: Check = async (ctx) => {
  const id = "voice-routes";
  const label = "Voice routes to the trunk";
  if (!ctx.teams || !ctx.trunk) return needsProfiles(id, label);
  if (!ctx.teamsConfig) return needsConnection(id, label);
  const routes = await ctx.teamsConfig.list("voiceRoute");
  const wanted = expectedNames(ctx);
  const missing = missingIdentities(
    routes.map((r) => r.Identity),
    wanted,
  );
  if (missing.length > 0)
    return notOk(id, label, "failed", `Missing voice routes: ${missing.join(", ")}.`, setupFix);
  const fqdn = ctx.trunk.fqdn.toLowerCase();
  const wrong = routes.filter(
    (r) =>
      missingIdentities([r.Identity], wanted).length === 0 &&
      !((r.OnlinePstnGatewayList as string[] | undefined) ?? []).some(
        (g) => String(g).toLowerCase() === fqdn,
      ),
  );
  if (wrong.length > 0)
    return notOk(
      id,
      label,
      "failed",
      `Voice routes not pointing at ${ctx.trunk.fqdn}: ${wrong.map((r) => r.Identity).join(", ")}.`,
      setupFix,
    );
  return ok(id, label, `${wanted.join(", ")} route to ${ctx.trunk.fqdn}.`);
};

const voiceRoutingPolicies: Check = async (ctx) => {
  const id = "voice-routing-policies";
  const label = "Voice routing policies";
  if (!ctx.teams) return needsProfiles(id, label);
  if (!ctx.teamsConfig) return needsConnection(id, label);
  const policies = await ctx.teamsConfig.list("voiceRoutingPolicy");
  const missing = missingIdentities(
    policies.map((p) => p.Identity),
    expectedNames(ctx),
  );
  if (missing.length > 0)
    return notOk(id, label, "failed", `Missing voice routing policies: ${missing.join(", ")}.`, setupFix);
  return ok(id, label, `${expectedNames(ctx).join(", ")} exist.`);
};

const dialPlan: Check = async (ctx) => {
  const id = "dial-plan";
  const label = "Tenant dial plan";
  if (!ctx.teams) return needsProfiles(id, label);
  if (!ctx.teamsConfig) return needsConnection(id, label);
  const plans = await ctx.teamsConfig.list("dialPlan");
  if (
    missingIdentities(
      plans.map((p) => p.Identity),
      [ctx.teams.dialPlanName],
    ).length > 0
  )
    return notOk(id, label, "failed", `The dial plan ${ctx.teams.dialPlanName} is missing.`, setupFix);
  return ok(id, label, `${ctx.teams.dialPlanName} exists.`);
};

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
/** A health check answers quickly: short inline waits, few retries. */
const PREFLIGHT_CLIENT = { maxInlineWaitSeconds: 5, attempts: 2 };

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
