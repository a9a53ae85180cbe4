import type { EmulatorContext } from "../context.js";
import { domainActivatedAt } from "../state/activation.js";
import { EmulatorError } from "../state/errors.js";
import type { Tenant, User, VoicemailSettings } from "../state/model.js";
import { numbersOfUser, settleOperations, startNumberOperation } from "../state/numbers.js";
import { findUser, tenantNow } from "../state/users.js";
import { createVoice, deleteVoice, getVoice, grantPolicy, listVoice, upsertVoice } from "../state/voice.js";
import { onlineUserView } from "../teams-admin/views.js";
import { type BoundCommand, bindCommand, PsError, type PsValue } from "./cmdlets.js";

function psError(
  type: string,
  message: string,
  category: string,
  cmdlet: string,
  id = "Microsoft.Teams.ConfigAPI.Cmdlets",
): PsError {
  return new PsError({ type, message, category, fullyQualifiedErrorId: `${id},${cmdlet}` });
}

function pascal(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v]));
}

function requireUser(
  ctx: EmulatorContext,
  tenant: Tenant,
  identity: PsValue | undefined,
  cmdlet: string,
): User {
  const id = String(identity ?? "").replace(/^sip:/i, "");
  const u = findUser(tenant, id);
  if (!u || !ctx.state.syncedToTeams(tenant, u)) {
    throw psError(
      "ManagementException",
      `Management object not found for identity "${String(identity ?? "")}".`,
      "ObjectNotFound",
      cmdlet,
    );
  }
  return u;
}

function voicemailView(u: User): Record<string, unknown> {
  return { ...u.voice.voicemail };
}

/** Applies `Set-CsOnlinePstnUsage -Usage @{Add=...}|@{Remove=...}|@{Replace=...}|list` to the current list. */
function applyUsageChange(current: string[], usage: PsValue): string[] {
  const list = (v: PsValue | undefined) =>
    v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
  if (usage && typeof usage === "object" && !Array.isArray(usage)) {
    const table = Object.fromEntries(Object.entries(usage).map(([k, v]) => [k.toLowerCase(), v]));
    if (table.replace !== undefined) return list(table.replace);
    let next = [...current];
    for (const a of list(table.add)) if (!next.some((x) => x.toLowerCase() === a.toLowerCase())) next.push(a);
    const remove = list(table.remove).map((x) => x.toLowerCase());
    next = next.filter((x) => !remove.includes(x.toLowerCase()));
    return next;
  }
  return list(usage);
}

function normaliseList(v: PsValue | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (v && typeof v === "object" && !Array.isArray(v)) return undefined;
  return v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

function mergeListParam(existing: unknown, v: PsValue | undefined): string[] | undefined {
  if (v && typeof v === "object" && !Array.isArray(v))
    return applyUsageChange(Array.isArray(existing) ? (existing as string[]) : [], v);
  return normaliseList(v);
}

/**
 * `-NormalizationRules`: a list of rules (each the parameters of `New-CsVoiceNormalizationRule -InMemory`,
 * bound like that cmdlet), or `@{Add=...; Remove=...; Replace=...}` on the current list.
 * https://learn.microsoft.com/powershell/module/microsoftteams/new-csvoicenormalizationrule
 */
function normalizationRules(value: PsValue, current: PsValue[], plan: string): PsValue[] {
  const asRules = (v: PsValue | undefined): PsValue[] =>
    (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]).map((r) => {
      if (!r || typeof r !== "object" || Array.isArray(r))
        throw new PsError({
          type: "ParameterBindingException",
          message: `Cannot convert value "${String(r)}" to type "Microsoft.Rtc.Management.WritableConfig.Policy.Voice.NormalizationRule".`,
          category: "InvalidArgument",
          fullyQualifiedErrorId: "ParameterArgumentTransformationError,New-CsTenantDialPlan",
        });
      const p = bindCommand({ cmdlet: "New-CsVoiceNormalizationRule", parameters: r }).parameters;
      const name =
        p.Name ??
        String(p.Identity ?? "")
          .split("/")
          .pop() ??
        "";
      return withoutUndefined({
        Identity: `Tag:${plan}/${String(name)}`,
        Name: name,
        Description: p.Description,
        Pattern: p.Pattern,
        Translation: p.Translation,
        IsInternalExtension: p.IsInternalExtension,
        Priority: p.Priority,
      }) as PsValue;
    });
  if (
    value &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !("Name" in value || "Identity" in value || "Parent" in value)
  ) {
    const table = Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v]));
    if (table.replace !== undefined) return asRules(table.replace);
    const remove = asRules(table.remove).map((r) => String((r as { Name: string }).Name).toLowerCase());
    return [...current, ...asRules(table.add)].filter(
      (r) => !remove.includes(String((r as { Name: string }).Name).toLowerCase()),
    );
  }
  return asRules(value);
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function runNumberOp(
  tenant: Tenant,
  kind: "assign" | "unassign",
  body: Record<string, unknown>,
  cmdlet: string,
) {
  const op = startNumberOperation(tenant, kind, body, 0);
  settleOperations(tenant);
  if (op.status === "failed")
    throw psError("ApiException", op.statusDetail ?? "Operation failed.", "InvalidOperation", cmdlet);
}

/**
 * A derived trunk (a subdomain of the tenant, carrier model) can be named in a voice route only once the
 * subdomain is activated ("Configure a Session Border Controller for multiple tenants": a user in it with a
 * licence that includes Teams, then up to 24 hours). The wording of the refusal is ours; Microsoft documents
 * the rule, not the message.
 */
function requireActivatedTrunks(ctx: EmulatorContext, tenant: Tenant, gateways: unknown, cmdlet: string) {
  for (const fqdn of Array.isArray(gateways) ? gateways : []) {
    const name = String(fqdn).toLowerCase();
    if (!tenant.domains.has(name)) continue;
    const at = domainActivatedAt(tenant, name, ctx.state.scaled(ctx.state.settings.domainActivationMs));
    if (at === null || at > tenantNow(tenant)) {
      throw psError(
        "InvalidOperationException",
        `The online PSTN gateway '${fqdn}' cannot be used: the domain ${name} is not activated yet. A user in that domain needs a licence that includes Teams; activation can take up to 24 hours.`,
        "InvalidOperation",
        cmdlet,
      );
    }
  }
}

/** Executes a bound cmdlet against a tenant's state; returns the PowerShell output object. */
export function executeCmdlet(ctx: EmulatorContext, tenant: Tenant, cmd: BoundCommand): unknown {
  const p = cmd.parameters;
  const c = cmd.cmdlet;
  try {
    switch (c) {
      case "Get-CsOnlineVoicemailUserSettings":
        return voicemailView(requireUser(ctx, tenant, p.Identity, c));
      case "Set-CsOnlineVoicemailUserSettings": {
        const u = requireUser(ctx, tenant, p.Identity, c);
        const vm = u.voice.voicemail as unknown as Record<string, unknown>;
        for (const key of Object.keys(u.voice.voicemail) as (keyof VoicemailSettings)[]) {
          if (p[key] !== undefined) vm[key] = p[key];
        }
        if (
          p.CallAnswerRule &&
          /Transfer/.test(String(p.CallAnswerRule)) &&
          !u.voice.voicemail.TransferTarget
        ) {
          throw psError(
            "ApiException",
            "TransferTarget is required for this CallAnswerRule.",
            "InvalidArgument",
            c,
          );
        }
        return voicemailView(u);
      }
      case "Get-CsOnlineUser": {
        settleOperations(tenant);
        if (p.Identity !== undefined)
          return pascal(onlineUserView(tenant, requireUser(ctx, tenant, p.Identity, c)));
        let users = [...tenant.users.values()].filter((u) => ctx.state.syncedToTeams(tenant, u));
        if (p.AccountType)
          users = users.filter((u) => (u.isResourceAccount ? "ResourceAccount" : "User") === p.AccountType);
        if (typeof p.ResultSize === "number") users = users.slice(0, p.ResultSize);
        return users.map((u) => pascal(onlineUserView(tenant, u)));
      }
      case "Get-CsOnlinePstnUsage":
        return getVoice(tenant, "OnlinePstnUsages", "Global");
      // https://learn.microsoft.com/powershell/module/microsoftteams/set-csonlinepstnusage: one list, Identity Global.
      case "Set-CsOnlinePstnUsage": {
        if (p.Identity !== undefined && p.Identity !== null && String(p.Identity).toLowerCase() !== "global")
          throw psError(
            "ManagementException",
            `Cannot find a(n) OnlinePstnUsages with Identity '${String(p.Identity)}'. Only Global exists.`,
            "ObjectNotFound",
            c,
          );
        const current = getVoice(tenant, "OnlinePstnUsages", "Global").Usage as string[];
        upsertVoice(tenant, "OnlinePstnUsages", "Global", {
          Usage: applyUsageChange(current, p.Usage ?? null),
        });
        return null;
      }
      case "Get-CsOnlineVoiceRoute":
      case "Get-CsOnlineVoiceRoutingPolicy":
      case "Get-CsTenantDialPlan": {
        const type =
          {
            "Get-CsOnlineVoiceRoute": "OnlineVoiceRoute",
            "Get-CsOnlineVoiceRoutingPolicy": "OnlineVoiceRoutingPolicy",
          }[c as "Get-CsOnlineVoiceRoute"] ?? "TenantDialPlan";
        if (p.Identity !== undefined) return getVoice(tenant, type, String(p.Identity));
        return listVoice(tenant, type);
      }
      case "New-CsOnlineVoiceRoute":
      case "Set-CsOnlineVoiceRoute": {
        const existing = c.startsWith("Set")
          ? getVoice(tenant, "OnlineVoiceRoute", String(p.Identity))
          : undefined;
        const body = withoutUndefined({
          Identity: String(p.Identity ?? p.Name),
          NumberPattern: p.NumberPattern,
          Priority: p.Priority,
          Description: p.Description,
          BridgeSourcePhoneNumber: p.BridgeSourcePhoneNumber,
          OnlinePstnGatewayList: mergeListParam(existing?.OnlinePstnGatewayList, p.OnlinePstnGatewayList),
          OnlinePstnUsages: mergeListParam(existing?.OnlinePstnUsages, p.OnlinePstnUsages),
        });
        requireActivatedTrunks(ctx, tenant, body.OnlinePstnGatewayList, c);
        const out = existing
          ? upsertVoice(tenant, "OnlineVoiceRoute", String(p.Identity ?? p.Name), body)
          : createVoice(tenant, "OnlineVoiceRoute", body);
        return c.startsWith("New") ? out : null;
      }
      case "New-CsOnlineVoiceRoutingPolicy":
      case "Set-CsOnlineVoiceRoutingPolicy": {
        const existing = c.startsWith("Set")
          ? getVoice(tenant, "OnlineVoiceRoutingPolicy", String(p.Identity))
          : undefined;
        const body = withoutUndefined({
          Identity: String(p.Identity),
          Description: p.Description,
          OnlinePstnUsages: mergeListParam(existing?.OnlinePstnUsages, p.OnlinePstnUsages),
        });
        const out = existing
          ? upsertVoice(tenant, "OnlineVoiceRoutingPolicy", String(p.Identity), body)
          : createVoice(tenant, "OnlineVoiceRoutingPolicy", body);
        return c.startsWith("New") ? out : null;
      }
      case "New-CsTenantDialPlan":
      case "Set-CsTenantDialPlan": {
        const existing = c.startsWith("Set")
          ? getVoice(tenant, "TenantDialPlan", String(p.Identity))
          : undefined;
        const name = String(p.Identity).replace(/^tag:/i, "");
        const body = withoutUndefined({
          Identity: name,
          SimpleName: p.SimpleName ?? (existing ? undefined : name),
          Description: p.Description,
          NormalizationRules:
            p.NormalizationRules === undefined
              ? undefined
              : normalizationRules(
                  p.NormalizationRules,
                  (existing?.NormalizationRules as PsValue[] | undefined) ?? [],
                  name,
                ),
        });
        const out = existing
          ? upsertVoice(tenant, "TenantDialPlan", name, body)
          : createVoice(tenant, "TenantDialPlan", body);
        return c.startsWith("New") ? out : null;
      }
      // https://learn.microsoft.com/powershell/module/microsoftteams/new-csonlinepstngateway: -Fqdn (or
      // -Identity) becomes the Identity; a new SBC starts disabled unless -Enabled $true.
      case "Get-CsOnlinePSTNGateway":
        if (p.Identity !== undefined) return getVoice(tenant, "OnlinePSTNGateway", String(p.Identity));
        return listVoice(tenant, "OnlinePSTNGateway");
      case "New-CsOnlinePSTNGateway": {
        const fqdn = String(p.Fqdn ?? p.Identity);
        const { Fqdn: _f, Identity: _i, ...rest } = p;
        return createVoice(tenant, "OnlinePSTNGateway", { ...rest, Identity: fqdn, Fqdn: fqdn });
      }
      case "Set-CsOnlinePSTNGateway": {
        getVoice(tenant, "OnlinePSTNGateway", String(p.Identity));
        const { Identity: _i, ...rest } = p;
        upsertVoice(tenant, "OnlinePSTNGateway", String(p.Identity), rest);
        return null;
      }
      case "Remove-CsOnlineVoiceRoute":
        deleteVoice(tenant, "OnlineVoiceRoute", String(p.Identity));
        return null;
      case "Remove-CsOnlineVoiceRoutingPolicy":
        deleteVoice(tenant, "OnlineVoiceRoutingPolicy", String(p.Identity));
        return null;
      case "Remove-CsTenantDialPlan":
        deleteVoice(tenant, "TenantDialPlan", String(p.Identity));
        return null;
      // https://learn.microsoft.com/powershell/module/microsoftteams/grant-csonlinevoiceroutingpolicy and
      // …/grant-cstenantdialplan: a user (-Identity), the tenant default (-Global) or a group (-Group, -Rank).
      case "Grant-CsOnlineVoiceRoutingPolicy":
      case "Grant-CsTenantDialPlan": {
        const type = c === "Grant-CsTenantDialPlan" ? "TenantDialPlan" : "OnlineVoiceRoutingPolicy";
        const name = (p.PolicyName as string | null | undefined) ?? null;
        if (name !== null) getVoice(tenant, type, name);
        if (p.Group !== undefined) {
          const key = `${type}|${String(p.Group).toLowerCase()}`;
          if (name === null) delete tenant.groupPolicyAssignments[key];
          else
            tenant.groupPolicyAssignments[key] = {
              policyType: type,
              groupId: String(p.Group),
              policyName: name,
              rank: typeof p.Rank === "number" ? p.Rank : 1,
            };
          return null;
        }
        if (p.Global || p.Identity === undefined || p.Identity === null) {
          if (name === null) delete tenant.tenantPolicies[type];
          else tenant.tenantPolicies[type] = name;
          return null;
        }
        grantPolicy(tenant, requireUser(ctx, tenant, p.Identity, c), type, name);
        return null;
      }
      case "Set-CsPhoneNumberAssignment": {
        const u = requireUser(ctx, tenant, p.Identity, c);
        if (p.PhoneNumber === undefined) {
          if (p.EnterpriseVoiceEnabled === undefined) {
            throw psError(
              "ParameterBindingException",
              "Parameter set cannot be resolved using the specified named parameters.",
              "InvalidArgument",
              c,
            );
          }
          u.voice.enterpriseVoiceEnabled = p.EnterpriseVoiceEnabled === true;
          return null;
        }
        const numberType = String(p.PhoneNumberType ?? "");
        if (!numberType) {
          throw psError(
            "ParameterBindingException",
            "Cannot process command because of one or more missing mandatory parameters: PhoneNumberType.",
            "InvalidArgument",
            c,
          );
        }
        runNumberOp(
          tenant,
          "assign",
          withoutUndefined({
            telephoneNumber: String(p.PhoneNumber),
            assignmentTargetId: u.id,
            numberType: numberType.charAt(0).toLowerCase() + numberType.slice(1),
            assignmentCategory: p.AssignmentCategory ? String(p.AssignmentCategory).toLowerCase() : undefined,
            locationId: p.LocationId,
          }),
          c,
        );
        return null;
      }
      case "Remove-CsPhoneNumberAssignment": {
        const u = requireUser(ctx, tenant, p.Identity, c);
        const targets = p.RemoveAll
          ? numbersOfUser(tenant, u.id)
          : numbersOfUser(tenant, u.id).filter((n) => n.telephoneNumber === p.PhoneNumber);
        if (targets.length === 0) {
          throw psError(
            "ApiException",
            `The telephone number '${String(p.PhoneNumber ?? "")}' is not assigned to '${u.userPrincipalName}'.`,
            "InvalidOperation",
            c,
          );
        }
        for (const n of targets)
          runNumberOp(
            tenant,
            "unassign",
            { telephoneNumber: n.telephoneNumber, numberType: n.numberType },
            c,
          );
        return null;
      }
      case "Get-CsPhoneNumberAssignment": {
        settleOperations(tenant);
        let items = [...tenant.numbers.values()];
        if (p.TelephoneNumber) items = items.filter((n) => n.telephoneNumber === p.TelephoneNumber);
        if (p.AssignedPstnTargetId) {
          const u = findUser(tenant, String(p.AssignedPstnTargetId));
          items = items.filter((n) => n.assignmentTargetId === (u?.id ?? p.AssignedPstnTargetId));
        }
        if (p.NumberType)
          items = items.filter((n) => n.numberType.toLowerCase() === String(p.NumberType).toLowerCase());
        if (p.PstnAssignmentStatus)
          items = items.filter(
            (n) => n.assignmentStatus.toLowerCase() === String(p.PstnAssignmentStatus).toLowerCase(),
          );
        if (typeof p.Top === "number") items = items.slice(0, p.Top);
        return items.map((n) => ({
          TelephoneNumber: n.telephoneNumber,
          NumberType: n.numberType.charAt(0).toUpperCase() + n.numberType.slice(1),
          ActivationState: n.activationState.charAt(0).toUpperCase() + n.activationState.slice(1),
          AssignedPstnTargetId: n.assignmentTargetId,
          AssignmentCategory: n.assignmentCategory
            ? n.assignmentCategory.charAt(0).toUpperCase() + n.assignmentCategory.slice(1)
            : null,
          Capability: n.capabilities.map((x) => x.charAt(0).toUpperCase() + x.slice(1)),
          City: n.city,
          IsoCountryCode: n.isoCountryCode,
          LocationId: n.locationId,
          NetworkSiteId: n.networkSiteId,
          NumberSource: n.numberSource === "online" ? "Online" : "OnPremises",
          PstnAssignmentStatus: n.assignmentStatus.charAt(0).toUpperCase() + n.assignmentStatus.slice(1),
        }));
      }
      default:
        throw psError(
          "NotSupportedException",
          `The stand-in does not implement '${c}' against the emulator.`,
          "NotImplemented",
          c,
        );
    }
  } catch (e) {
    if (e instanceof EmulatorError)
      throw psError("ApiException", e.message, e.status === 404 ? "ObjectNotFound" : "InvalidArgument", c);
    throw e;
  }
}
