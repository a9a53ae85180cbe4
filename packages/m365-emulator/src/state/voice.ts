import { stableGuid } from "../scenario/random.js";
import { badRequest, EmulatorError } from "./errors.js";
import type { Tenant, User, VoiceObject } from "./model.js";
import { isoNow, tenantNow } from "./users.js";

/** Teams voice configuration types, as the MicrosoftTeams cmdlets (pwsh stand-in) and Graph's policy surface see them. */
interface TypeSpec {
  /** Policies are per-tenant instances whose Identity is shown as `Tag:<name>`. */
  tagged: boolean;
  grantable: boolean;
  defaults: Record<string, unknown>;
  validate?: (tenant: Tenant, obj: VoiceObject) => void;
}

const notFoundError = (type: string, identity: string) =>
  new EmulatorError(404, "NotFound", `Cannot find a(n) ${type} with Identity '${identity}'.`);

function usageList(tenant: Tenant): string[] {
  const g = tenant.voice.get("OnlinePstnUsages")?.get("global");
  return Array.isArray(g?.Usage) ? (g.Usage as string[]) : [];
}

// "The PSTN usage must be an existing usage":
// https://learn.microsoft.com/powershell/module/microsoftteams/new-csonlinevoiceroute (-OnlinePstnUsages)
function requireUsages(tenant: Tenant, obj: VoiceObject): void {
  const usages = obj.OnlinePstnUsages;
  if (!Array.isArray(usages)) throw badRequest("OnlinePstnUsages must be an array of strings.", "BadRequest");
  const known = usageList(tenant).map((u) => u.toLowerCase());
  for (const u of usages) {
    if (typeof u !== "string" || !known.includes(u.toLowerCase())) {
      throw badRequest(
        `Cannot find the PSTN usage '${String(u)}'. Add it with Set-CsOnlinePstnUsage before referencing it.`,
        "BadRequest",
      );
    }
  }
}

function requireRegex(value: unknown, field: string): void {
  if (typeof value !== "string") throw badRequest(`${field} must be a string.`, "BadRequest");
  try {
    new RegExp(value);
  } catch {
    throw badRequest(`${field} '${value}' is not a valid regular expression.`, "BadRequest");
  }
}

export const VOICE_TYPES: Record<string, TypeSpec> = {
  // https://learn.microsoft.com/powershell/module/microsoftteams/set-csonlinepstnusage: one Global list.
  OnlinePstnUsages: {
    tagged: false,
    grantable: false,
    defaults: { Usage: [] },
    validate: (tenant, obj) => {
      if (obj.Identity.toLowerCase() !== "global")
        throw badRequest("Only the Global PSTN usage list exists.", "BadRequest");
      const usage = obj.Usage;
      if (!Array.isArray(usage) || usage.some((u) => typeof u !== "string" || u.length === 0)) {
        throw badRequest("Usage must be an array of non-empty strings.", "BadRequest");
      }
      const lower = (usage as string[]).map((u) => u.toLowerCase());
      if (new Set(lower).size !== lower.length) throw badRequest("Usage contains duplicates.", "BadRequest");
      for (const type of ["OnlineVoiceRoute", "OnlineVoiceRoutingPolicy"]) {
        for (const other of tenant.voice.get(type)?.values() ?? []) {
          for (const used of (other.OnlinePstnUsages as string[] | undefined) ?? []) {
            if (!lower.includes(used.toLowerCase())) {
              throw badRequest(
                `Cannot remove PSTN usage '${used}' because it is used by ${type} '${other.Identity}'.`,
                "BadRequest",
              );
            }
          }
        }
      }
    },
  },
  // https://learn.microsoft.com/powershell/module/microsoftteams/new-csonlinevoiceroute: NumberPattern default
  // [0-9]{10}; BridgeSourcePhoneNumber excludes OnlinePstnGatewayList.
  OnlineVoiceRoute: {
    tagged: false,
    grantable: false,
    defaults: {
      Description: null,
      NumberPattern: "[0-9]{10}",
      OnlinePstnGatewayList: [],
      OnlinePstnUsages: [],
      Priority: 0,
      BridgeSourcePhoneNumber: null,
    },
    validate: (tenant, obj) => {
      requireUsages(tenant, obj);
      requireRegex(obj.NumberPattern, "NumberPattern");
      if (typeof obj.Priority !== "number" || !Number.isInteger(obj.Priority) || obj.Priority < 0) {
        throw badRequest("Priority must be a non-negative integer.", "BadRequest");
      }
      const gateways = obj.OnlinePstnGatewayList;
      if (!Array.isArray(gateways)) throw badRequest("OnlinePstnGatewayList must be an array.", "BadRequest");
      if (gateways.length > 0 && obj.BridgeSourcePhoneNumber) {
        throw badRequest(
          "BridgeSourcePhoneNumber cannot be combined with OnlinePstnGatewayList.",
          "BadRequest",
        );
      }
      const known = [...(tenant.voice.get("OnlinePSTNGateway")?.keys() ?? [])];
      for (const g of gateways) {
        const fqdn = String(g).toLowerCase();
        // A derived trunk (carrier model) is a verified domain of this tenant, not a gateway object:
        // https://learn.microsoft.com/microsoftteams/direct-routing-sbc-multiple-tenants
        const derived = tenant.domains.get(fqdn)?.isVerified === true;
        if (!known.includes(fqdn) && !derived) {
          throw badRequest(`Cannot find the online PSTN gateway '${String(g)}'.`, "BadRequest");
        }
      }
    },
  },
  OnlineVoiceRoutingPolicy: {
    tagged: true,
    grantable: true,
    defaults: { Description: null, OnlinePstnUsages: [], RouteType: "BYOT" },
    validate: requireUsages,
  },
  // https://learn.microsoft.com/powershell/module/microsoftteams/new-cstenantdialplan: Identity up to 49 letters,
  // digits, '-' or '.'; Description up to 1040; at most 50 rules. Rule defaults and the 512-character rule
  // Description: https://learn.microsoft.com/powershell/module/microsoftteams/new-csvoicenormalizationrule
  TenantDialPlan: {
    tagged: true,
    grantable: true,
    defaults: {
      Description: null,
      SimpleName: null,
      NormalizationRules: [],
      ExternalAccessPrefix: null,
      OptimizeDeviceDialing: false,
    },
    validate: (_tenant, obj) => {
      const name = bareIdentity(obj.Identity);
      if (name !== "Global" && !/^[A-Za-z0-9.-]{1,49}$/.test(name)) {
        throw badRequest("Identity must be 1-49 characters: letters, digits, '-' or '.'.", "BadRequest");
      }
      if (typeof obj.Description === "string" && obj.Description.length > 1040) {
        throw badRequest("Description cannot exceed 1040 characters.", "BadRequest");
      }
      const rules = obj.NormalizationRules;
      if (!Array.isArray(rules)) throw badRequest("NormalizationRules must be an array.", "BadRequest");
      if (rules.length > 50)
        throw badRequest("A dial plan can hold at most 50 normalization rules.", "BadRequest");
      obj.NormalizationRules = rules.map((r: unknown, i: number) => {
        const rule = { ...(r as Record<string, unknown>) };
        if (typeof rule.Name !== "string" || rule.Name.length === 0) {
          throw badRequest("Each normalization rule needs a Name.", "BadRequest");
        }
        rule.Pattern ??= "^(\\d{11})$";
        rule.Translation ??= "+$1";
        rule.IsInternalExtension ??= false;
        rule.Priority ??= i;
        rule.Description ??= null;
        requireRegex(rule.Pattern, "Pattern");
        if (typeof rule.Description === "string" && rule.Description.length > 512) {
          throw badRequest("A normalization rule Description cannot exceed 512 characters.", "BadRequest");
        }
        return rule;
      });
    },
  },
  // https://learn.microsoft.com/powershell/module/microsoftteams/new-csonlinepstngateway: Fqdn up to 63
  // characters, SipSignalingPort 1-65535; Enabled false, SendSipOptions true, FailoverTimeSeconds 10 by default.
  OnlinePSTNGateway: {
    tagged: false,
    grantable: false,
    defaults: {
      Enabled: false,
      MaxConcurrentSessions: null,
      ForwardPai: false,
      SendSipOptions: true,
      MediaBypass: false,
      FailoverTimeSeconds: 10,
      FailoverResponseCodes: "408,503,504",
      Description: null,
    },
    validate: (_tenant, obj) => {
      const fqdn = obj.Fqdn ?? obj.Identity;
      if (typeof fqdn !== "string" || fqdn.length > 63 || !/^[A-Za-z0-9.-]+$/.test(fqdn)) {
        throw badRequest("Fqdn must be a host name of at most 63 characters.", "BadRequest");
      }
      obj.Fqdn = fqdn;
      const port = obj.SipSignalingPort;
      if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw badRequest("SipSignalingPort must be an integer between 1 and 65535.", "BadRequest");
      }
    },
  },
  TeamsTranslationRule: {
    tagged: false,
    grantable: false,
    defaults: { Pattern: "", Translation: "", Description: null },
    validate: (_t, obj) => requireRegex(obj.Pattern, "Pattern"),
  },
  CallingLineIdentity: {
    tagged: true,
    grantable: true,
    defaults: {
      CallingIdSubstitute: "LineUri",
      EnableUserOverride: false,
      BlockIncomingPstnCallerID: false,
      Description: null,
    },
  },
  OnlineVoicemailPolicy: {
    tagged: true,
    grantable: true,
    defaults: { EnableTranscription: true, MaximumRecordingLength: "00:05:00", Description: null },
  },
  TeamsCallingPolicy: {
    tagged: true,
    grantable: true,
    defaults: { AllowPrivateCalling: true, AllowVoicemail: "UserOverride", Description: null },
  },
  TeamsMeetingPolicy: { tagged: true, grantable: true, defaults: { Description: null } },
  TeamsEmergencyCallingPolicy: { tagged: true, grantable: true, defaults: { Description: null } },
};

/** Graph's policy assignment surface accepts these types (others are answered with 400). */
export const GRAPH_ASSIGNABLE_POLICY_TYPES = Object.entries(VOICE_TYPES)
  .filter(([, s]) => s.grantable)
  .map(([t]) => t);

export function bareIdentity(identity: string): string {
  return identity.replace(/^tag:/i, "");
}

export function voiceTypeSpec(type: string): { type: string; spec: TypeSpec } {
  const entry = Object.entries(VOICE_TYPES).find(([t]) => t.toLowerCase() === type.toLowerCase());
  if (!entry) throw new EmulatorError(404, "NotFound", `Configuration type '${type}' was not found.`);
  return { type: entry[0], spec: entry[1] };
}

function collection(tenant: Tenant, type: string): Map<string, VoiceObject> {
  let m = tenant.voice.get(type);
  if (!m) {
    m = new Map();
    tenant.voice.set(type, m);
  }
  return m;
}

/** Shape an object as Get-Cs* returns it: tagged policies show `Tag:<name>`. */
export function presentVoiceObject(type: string, obj: VoiceObject): VoiceObject {
  const { spec } = voiceTypeSpec(type);
  const name = bareIdentity(obj.Identity);
  const identity = spec.tagged && name.toLowerCase() !== "global" ? `Tag:${name}` : name;
  // Get-CsOnlineVoiceRoute also shows the route's Name (its Identity): "The value of the Identity will be
  // assigned to the Name." https://learn.microsoft.com/powershell/module/microsoftteams/new-csonlinevoiceroute
  if (type === "OnlineVoiceRoute") return { ...obj, Identity: identity, Name: name };
  return { ...obj, Identity: identity };
}

export function listVoice(tenant: Tenant, type: string): VoiceObject[] {
  const { type: t } = voiceTypeSpec(type);
  return [...collection(tenant, t).values()].map((o) => presentVoiceObject(t, o));
}

export function getVoice(tenant: Tenant, type: string, identity: string): VoiceObject {
  const { type: t } = voiceTypeSpec(type);
  const obj = collection(tenant, t).get(bareIdentity(identity).toLowerCase());
  if (!obj) throw notFoundError(t, identity);
  return presentVoiceObject(t, obj);
}

export function createVoice(tenant: Tenant, type: string, input: Record<string, unknown>): VoiceObject {
  const { type: t, spec } = voiceTypeSpec(type);
  const rawId = input.Identity ?? input.Name ?? (t === "OnlinePSTNGateway" ? input.Fqdn : undefined);
  if (typeof rawId !== "string" || rawId.length === 0)
    throw badRequest("Identity is required.", "BadRequest");
  const name = bareIdentity(rawId);
  const coll = collection(tenant, t);
  if (coll.has(name.toLowerCase())) {
    throw new EmulatorError(409, "Conflict", `A ${t} with Identity '${name}' already exists.`);
  }
  const obj: VoiceObject = { ...structuredClone(spec.defaults), ...input, Identity: name };
  delete obj.Name;
  spec.validate?.(tenant, obj);
  coll.set(name.toLowerCase(), obj);
  return presentVoiceObject(t, obj);
}

/** PUT semantics: merge the given properties; creates the object when it does not exist. */
export function upsertVoice(
  tenant: Tenant,
  type: string,
  identity: string,
  patch: Record<string, unknown>,
): VoiceObject {
  const { type: t, spec } = voiceTypeSpec(type);
  const name = bareIdentity(identity);
  const coll = collection(tenant, t);
  const existing = coll.get(name.toLowerCase());
  if (!existing) return createVoice(tenant, t, { ...patch, Identity: name });
  const { Identity: _ignored, Key: _key, ...rest } = patch;
  const merged: VoiceObject = { ...existing, ...rest, Identity: existing.Identity };
  spec.validate?.(tenant, merged);
  coll.set(name.toLowerCase(), merged);
  return presentVoiceObject(t, merged);
}

export function deleteVoice(tenant: Tenant, type: string, identity: string): void {
  const { type: t } = voiceTypeSpec(type);
  const name = bareIdentity(identity);
  const coll = collection(tenant, t);
  if (!coll.has(name.toLowerCase())) throw notFoundError(t, identity);
  if (name.toLowerCase() === "global") throw badRequest(`The Global ${t} cannot be removed.`, "BadRequest");
  if (t === "OnlinePSTNGateway") {
    for (const route of collection(tenant, "OnlineVoiceRoute").values()) {
      const list = (route.OnlinePstnGatewayList as string[] | undefined) ?? [];
      if (list.some((g) => g.toLowerCase() === name.toLowerCase())) {
        throw badRequest(`The gateway '${name}' is used by voice route '${route.Identity}'.`, "BadRequest");
      }
    }
  }
  for (const u of tenant.users.values()) {
    if (u.voice.policies[t]?.toLowerCase() === name.toLowerCase()) {
      throw badRequest(`The ${t} '${name}' is assigned to user '${u.userPrincipalName}'.`, "BadRequest");
    }
  }
  coll.delete(name.toLowerCase());
}

/** Grant (or with null, remove) a policy for a user, as Grant-Cs* does. */
export function grantPolicy(tenant: Tenant, user: User, policyType: string, policyName: string | null): void {
  const { type: t, spec } = voiceTypeSpec(policyType);
  if (!spec.grantable) throw badRequest(`Policy type '${policyType}' cannot be granted.`, "BadRequest");
  if (policyName === null || policyName === "" || bareIdentity(policyName).toLowerCase() === "global") {
    delete user.voice.policies[t];
  } else {
    const name = bareIdentity(policyName);
    const obj = collection(tenant, t).get(name.toLowerCase());
    if (!obj) throw notFoundError(t, name);
    user.voice.policies[t] = obj.Identity;
  }
  user.voice.modifiedDateTime = isoNow(tenantNow(tenant));
}

export function policyId(tenant: Tenant, type: string, name: string): string {
  return stableGuid(tenant.id, "policy", type.toLowerCase(), bareIdentity(name).toLowerCase());
}

export function findPolicyById(tenant: Tenant, type: string, id: string): string | undefined {
  const { type: t } = voiceTypeSpec(type);
  for (const obj of collection(tenant, t).values()) {
    if (policyId(tenant, t, obj.Identity) === id.toLowerCase()) return obj.Identity;
  }
  return undefined;
}

export function seedVoiceDefaults(tenant: Tenant, pstnUsages: string[]): void {
  collection(tenant, "OnlinePstnUsages").set("global", { Identity: "Global", Usage: [...pstnUsages] });
  for (const [type, spec] of Object.entries(VOICE_TYPES)) {
    if (!spec.tagged) continue;
    collection(tenant, type).set("global", { ...structuredClone(spec.defaults), Identity: "Global" });
  }
  const calling = collection(tenant, "TeamsCallingPolicy");
  for (const n of ["AllowCalling", "DisallowCalling"]) {
    calling.set(n.toLowerCase(), {
      ...structuredClone(VOICE_TYPES.TeamsCallingPolicy?.defaults ?? {}),
      Identity: n,
    });
  }
  const meeting = collection(tenant, "TeamsMeetingPolicy");
  for (const n of ["AllOn", "AllOff", "RestrictedAnonymousAccess"])
    meeting.set(n.toLowerCase(), { Identity: n, Description: null });
}
