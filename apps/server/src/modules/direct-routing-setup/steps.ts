import { randomBytes } from "node:crypto";
import {
  type ConfigurationObject,
  includesTeams,
  MicrosoftApiError,
  type MicrosoftTenant,
} from "../microsoft/index.js";
import type { SbcRegion } from "../operator-settings/index.js";
import { type NormalizationRule, regionObjectName, type TeamsProfile } from "../teams-profiles/index.js";
import type { TrunkProfile } from "../trunks/index.js";
import {
  type DnsAdapter,
  DnsUpdateError,
  publishTrunkRecord,
  type TrunkRecordTarget,
  type TxtRecord,
} from "./dns.js";

/** A failure that retrying will not fix; the checklist shows its message and the job stops. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

export interface StepContext {
  tenantId: string;
  clientId: string;
  trunk: TrunkProfile;
  teams: TeamsProfile;
  regions: SbcRegion[];
  teamsPhoneSkuId: string;
  graph: MicrosoftTenant["graph"];
  /** Tenant voice configuration through the documented MicrosoftTeams cmdlets (values passed as data). */
  teamsConfig: MicrosoftTenant["teamsPowerShell"];
  identity: MicrosoftTenant["identity"];
  dns: DnsAdapter;
  /** Where the derived trunk FQDN points (operator setting); null until the operator sets it. */
  trunkRecord: TrunkRecordTarget | null;
  /** Data saved by an earlier step of this setup. */
  data(key: StepKey): Record<string, unknown>;
}

export type StepResult =
  | { status: "done"; data?: Record<string, unknown> }
  | { status: "waiting"; message: string; data?: Record<string, unknown> };

export interface SetupStep {
  key: StepKey;
  title: string;
  run(ctx: StepContext): Promise<StepResult>;
}

export const STEP_KEYS = [
  "role",
  "domain",
  "txt",
  "dns",
  "verify",
  "trunk-dns",
  "activation-user",
  "licence",
  "pstn-usage",
  "voice-routes",
  "voice-routing-policies",
  "dial-plan",
] as const;
export type StepKey = (typeof STEP_KEYS)[number];

export const ACTIVATION_USER_PREFIX = "teams-activation";
export const activationUpn = (fqdn: string) => `${ACTIVATION_USER_PREFIX}@${fqdn}`;

const done = (data?: Record<string, unknown>): StepResult => ({ status: "done", data });
const alreadyVerified = (ctx: StepContext) =>
  ctx.data("domain").isVerified === true ||
  ctx.data("dns").isVerified === true ||
  ctx.data("verify").isVerified === true;

function sameList(a: unknown, b: string[]): boolean {
  return (
    Array.isArray(a) &&
    a.length === b.length &&
    a.every((v, i) => String(v).toLowerCase() === b[i]!.toLowerCase())
  );
}

function sameRules(a: unknown, rules: NormalizationRule[]): boolean {
  if (!Array.isArray(a) || a.length !== rules.length) return false;
  return rules.every((rule, i) => {
    const other = a[i] as Record<string, unknown>;
    return (
      other?.Name === rule.name &&
      other.Pattern === rule.pattern &&
      other.Translation === rule.translation &&
      Boolean(other.IsInternalExtension) === rule.isInternalExtension
    );
  });
}

function findIdentity(list: ConfigurationObject[], identity: string): ConfigurationObject | undefined {
  const want = identity.toLowerCase();
  return list.find((o) => o.Identity.toLowerCase() === want || o.Identity.toLowerCase() === `tag:${want}`);
}

export function offeredRegions(ctx: Pick<StepContext, "teams" | "regions">): SbcRegion[] {
  // The default region first, so its route gets the lowest priority number.
  const byId = new Map(ctx.regions.map((r) => [r.id, r]));
  const ids = [
    ctx.teams.defaultRegionId,
    ...ctx.teams.regionIds.filter((id) => id !== ctx.teams.defaultRegionId),
  ];
  return ids.map((id) => byId.get(id)).filter((r): r is SbcRegion => Boolean(r));
}

/**
 * The carrier (hosting) model checklist, per customer tenant. Each step reads first and writes only what
 * is missing or different, so re-running it on a configured tenant changes nothing.
 */
export const SETUP_STEPS: SetupStep[] = [
  {
    key: "role",
    title: "Give the app the Teams Administrator role",
    async run(ctx) {
      const role = await ctx.identity.ensureTeamsAdministratorRole();
      if (!role)
        throw new SetupError(
          "The app has no service principal in the tenant: connect to Microsoft Teams again (admin consent).",
        );
      return done({ servicePrincipalId: role.servicePrincipalId });
    },
  },
  {
    key: "domain",
    title: "Add the trunk subdomain to the tenant",
    async run(ctx) {
      const existing = await ctx.graph.getDomain(ctx.trunk.fqdn);
      if (existing) return done({ isVerified: existing.isVerified });
      const created = await ctx.graph.addDomain(ctx.trunk.fqdn);
      return done({ isVerified: created.isVerified === true });
    },
  },
  {
    key: "txt",
    title: "Get the TXT verification record",
    async run(ctx) {
      if (alreadyVerified(ctx)) return done({ skipped: "already verified" });
      const records = await ctx.graph.verificationRecords(ctx.trunk.fqdn);
      const txt = records.find((r) => r.recordType.toLowerCase() === "txt" && r.text);
      if (!txt) throw new SetupError("Microsoft returned no TXT verification record for the subdomain.");
      const record: TxtRecord = { name: txt.label || ctx.trunk.fqdn, value: txt.text!, ttl: txt.ttl };
      return done({ record });
    },
  },
  {
    key: "dns",
    title: "Publish the TXT record in DNS",
    async run(ctx) {
      if (alreadyVerified(ctx)) return done({ skipped: "already verified" });
      const record = ctx.data("txt").record as TxtRecord;
      if (await ctx.dns.publish(ctx.tenantId, record)) return done({ record, publishedBy: ctx.dns.kind });
      // Manual DNS: the operator publishes the record; "Verify" (or the automatic re-check) tries Microsoft.
      try {
        const domain = await ctx.graph.verifyDomain(ctx.trunk.fqdn);
        if (domain.isVerified) return done({ record, publishedBy: "operator", isVerified: true });
      } catch (error) {
        if (!(error instanceof MicrosoftApiError) || error.transient) throw error;
      }
      return {
        status: "waiting",
        message: `Publish the TXT record ${record.name} = "${record.value}" (TTL ${record.ttl}) in DNS, then click Verify.`,
        data: { record },
      };
    },
  },
  {
    key: "verify",
    title: "Verify the subdomain",
    async run(ctx) {
      if (alreadyVerified(ctx)) return done({ isVerified: true });
      try {
        const domain = await ctx.graph.verifyDomain(ctx.trunk.fqdn);
        if (domain.isVerified) return done({ isVerified: true });
      } catch (error) {
        if (!(error instanceof MicrosoftApiError) || error.transient) throw error;
      }
      return {
        status: "waiting",
        message: "Microsoft does not see the TXT record yet (DNS propagation); checking again shortly.",
      };
    },
  },
  {
    key: "trunk-dns",
    title: "Point the trunk FQDN at the SBC in DNS",
    // "Configure a Session Border Controller for multiple tenants": the derived trunk FQDN must resolve to the
    // SBC. Published only now, after domain verification: a CNAME would clear the TXT record at that name.
    async run(ctx) {
      if (!ctx.trunkRecord)
        return done({
          applied: false,
          operatorMust:
            "Set the trunk FQDN record (SBC addresses or CNAME) in Operator settings, then Re-check.",
          dnsRecords: [],
        });
      try {
        const change = await publishTrunkRecord(ctx.dns, ctx.tenantId, ctx.trunk.fqdn, ctx.trunkRecord);
        if (change.applied) return done({ applied: true, dnsRecords: [] });
        // Manual DNS: the checklist shows the exact records; Microsoft does not check them during setup.
        return done({
          applied: false,
          operatorMust: "Add these records in DNS.",
          dnsRecords: change.records,
        });
      } catch (error) {
        if (error instanceof DnsUpdateError && error.permanent) throw new SetupError(error.message);
        throw error;
      }
    },
  },
  {
    key: "activation-user",
    title: "Create the activation user in the subdomain",
    async run(ctx) {
      const upn = activationUpn(ctx.trunk.fqdn);
      const existing = await ctx.graph.getUser(upn);
      if (existing) {
        return done({
          userId: existing.id,
          upn,
          skuIds: (existing.assignedLicenses ?? []).map((l) => l.skuId),
          usageLocation: existing.usageLocation ?? null,
        });
      }
      const organization = await ctx.graph.organization();
      const usageLocation = organization.defaultUsageLocation ?? organization.countryLetterCode ?? "US";
      const created = await ctx.graph.createUser({
        displayName: `Teams Direct Routing activation (${ctx.trunk.fqdn})`,
        mailNickname: `${ACTIVATION_USER_PREFIX}-${ctx.trunk.label}`,
        userPrincipalName: upn,
        usageLocation,
        // Nobody signs in as this user; the password is random and not kept.
        password: `${randomBytes(18).toString("base64url")}aA1!`,
      });
      return done({ userId: created.id, upn, skuIds: [], usageLocation });
    },
  },
  {
    key: "licence",
    title: "Give the activation user a licence that includes Teams",
    // "Configure a Session Border Controller for multiple tenants": the subdomain is activated by a user in it
    // with a licence that includes Teams (Office 365 E1/E3/E5, Microsoft 365 E3/E5/A/F/G, Business Basic/
    // Standard/Premium, Teams Shared Devices); Teams Phone Standard (MCOEV) alone does not activate it.
    async run(ctx) {
      const user = ctx.data("activation-user");
      const userId = String(user.userId);
      const skus = await ctx.graph.subscribedSkus();
      const held = new Set(((user.skuIds as string[] | undefined) ?? []).map((id) => id.toLowerCase()));
      const heldTeams = skus.find((s) => held.has(s.skuId.toLowerCase()) && includesTeams(s));
      if (heldTeams) return done({ skuId: heldTeams.skuId, skuPartNumber: heldTeams.skuPartNumber });
      const teamsSkus = skus.filter((s) => s.capabilityStatus === "Enabled" && includesTeams(s));
      const free = (s: (typeof skus)[number]) => s.prepaidUnits.enabled - s.consumedUnits;
      // The operator's SKU first when it includes Teams, then the one with the most free seats.
      const sku = teamsSkus
        .filter((s) => free(s) >= 1)
        .sort(
          (a, b) =>
            Number(b.skuId.toLowerCase() === ctx.teamsPhoneSkuId.toLowerCase()) -
              Number(a.skuId.toLowerCase() === ctx.teamsPhoneSkuId.toLowerCase()) || free(b) - free(a),
        )[0];
      if (!sku) {
        const full = teamsSkus.map((s) => s.skuPartNumber).join(", ");
        throw new SetupError(
          `No free licence that includes Teams in the tenant${full ? ` (${full}: all assigned)` : ""}. Teams activates the trunk subdomain only for a user holding one: buy one seat of Microsoft 365 E3/E5, Office 365 E1/E3/E5, Microsoft 365 Business Basic/Standard/Premium, F1/F3 or Teams Shared Devices (Teams Phone Standard alone is not enough), or free one, then click Run again.`,
        );
      }
      await ctx.graph.assignLicense(userId, sku.skuId);
      return done({ skuId: sku.skuId, skuPartNumber: sku.skuPartNumber });
    },
  },
  {
    key: "pstn-usage",
    title: "Add the PSTN usage",
    async run(ctx) {
      const usages = await ctx.teamsConfig.pstnUsages();
      if (!usages.some((u) => u.toLowerCase() === ctx.teams.pstnUsage.toLowerCase()))
        await ctx.teamsConfig.addPstnUsage(ctx.teams.pstnUsage);
      return done({ usage: ctx.teams.pstnUsage });
    },
  },
  {
    key: "voice-routes",
    title: "Create a voice route per region to the trunk",
    async run(ctx) {
      const existing = await ctx.teamsConfig.list("voiceRoute");
      const names: string[] = [];
      for (const [index, region] of offeredRegions(ctx).entries()) {
        const identity = regionObjectName(ctx.teams.pstnUsage, region.name);
        names.push(identity);
        const wanted = {
          NumberPattern: ".*",
          OnlinePstnGatewayList: [ctx.trunk.fqdn],
          OnlinePstnUsages: [ctx.teams.pstnUsage],
          Priority: index + 1,
          Description: `${region.name} via ${ctx.trunk.fqdn}`,
        };
        const found = findIdentity(existing, identity);
        if (!found) {
          await ctx.teamsConfig.create("voiceRoute", { Identity: identity, ...wanted });
        } else if (
          !sameList(found.OnlinePstnGatewayList, wanted.OnlinePstnGatewayList) ||
          !sameList(found.OnlinePstnUsages, wanted.OnlinePstnUsages)
        ) {
          await ctx.teamsConfig.update("voiceRoute", {
            Identity: found.Identity,
            OnlinePstnGatewayList: wanted.OnlinePstnGatewayList,
            OnlinePstnUsages: wanted.OnlinePstnUsages,
          });
        }
      }
      return done({ routes: names });
    },
  },
  {
    key: "voice-routing-policies",
    title: "Create a voice routing policy per region",
    async run(ctx) {
      const existing = await ctx.teamsConfig.list("voiceRoutingPolicy");
      const names: string[] = [];
      for (const region of offeredRegions(ctx)) {
        const identity = regionObjectName(ctx.teams.pstnUsage, region.name);
        names.push(identity);
        const found = findIdentity(existing, identity);
        if (!found) {
          await ctx.teamsConfig.create("voiceRoutingPolicy", {
            Identity: identity,
            OnlinePstnUsages: [ctx.teams.pstnUsage],
            Description: `Outbound calls via ${region.name}`,
          });
        } else if (!sameList(found.OnlinePstnUsages, [ctx.teams.pstnUsage])) {
          await ctx.teamsConfig.update("voiceRoutingPolicy", {
            Identity: identity,
            OnlinePstnUsages: [ctx.teams.pstnUsage],
          });
        }
      }
      return done({ policies: names });
    },
  },
  {
    key: "dial-plan",
    title: "Create the tenant dial plan",
    async run(ctx) {
      const existing = await ctx.teamsConfig.list("dialPlan");
      const plan = ctx.teams.dialPlanName;
      // Each rule is the parameter set of New-CsVoiceNormalizationRule -Parent <plan> -Name <rule> -InMemory.
      const rules = ctx.teams.normalizationRules.map((rule, priority) => ({
        Parent: plan,
        Name: rule.name,
        Pattern: rule.pattern,
        Translation: rule.translation,
        Description: rule.description ?? "",
        IsInternalExtension: rule.isInternalExtension,
        Priority: priority,
      }));
      const found = findIdentity(existing, plan);
      if (!found) {
        await ctx.teamsConfig.create("dialPlan", {
          Identity: plan,
          SimpleName: plan,
          Description: "Managed by the portal",
          NormalizationRules: rules,
        });
      } else if (!sameRules(found.NormalizationRules, ctx.teams.normalizationRules)) {
        await ctx.teamsConfig.update("dialPlan", { Identity: plan, NormalizationRules: rules });
      }
      return done({ dialPlan: plan });
    },
  },
];
