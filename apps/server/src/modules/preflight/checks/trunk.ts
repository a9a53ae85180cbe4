/** Lines about the trunk: the carrier's base-domain trunk, the derived trunk, its DNS record, the SBC's OPTIONS. */
import { Resolver } from "node:dns/promises";
import type { Config } from "../../../config/config.js";
import {
  findCarrierGateway,
  gatewayDifferences,
  loadCarrierTrunk,
  manualRecords,
  operatorAccountId,
  trunkRecordSets,
  wantedGateway,
} from "../../direct-routing-setup/index.js";
import { connectedTenant } from "../../microsoft/index.js";
import { type Check, needsProfiles, PREFLIGHT_CLIENT } from "../context.js";
import { dnsFinding, notOk, ok } from "../policies.js";

export const carrierTrunk: Check = async (ctx) => {
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

export const derivedTrunk: Check = async (ctx) => {
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

export const dnsRecord: Check = async (ctx) => {
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

export const sbcOptions: Check = async (ctx) => {
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
