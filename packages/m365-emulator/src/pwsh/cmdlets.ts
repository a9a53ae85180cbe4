/** A parameter value as the JSON request carries it; switch parameters are booleans. */
export type PsValue = string | number | boolean | null | PsValue[] | { [k: string]: PsValue };

/** One request of the stand-in's protocol: `{"cmdlet":"Verb-Noun","parameters":{...}}`. */
export interface PsRequest {
  cmdlet: string;
  parameters: Record<string, PsValue>;
}

/**
 * MicrosoftTeams cmdlets the stand-in knows, with their documented parameters. Each spec follows the cmdlet's
 * reference page, https://learn.microsoft.com/powershell/module/microsoftteams/<cmdlet> (source:
 * MicrosoftDocs/office-docs-powershell, teams/teams-ps/MicrosoftTeams/<Cmdlet>.md). Any other parameter is
 * refused as PowerShell refuses it.
 */

type ParamType = "string" | "bool" | "switch" | "int" | "strings" | "hashtable" | "any";

interface ParamSpec {
  type: ParamType;
  aliases?: string[];
  mandatory?: boolean;
  validateSet?: string[];
}

type CmdletSpec = Record<string, ParamSpec>;

const identity = (mandatory = true): ParamSpec => ({ type: "string", mandatory });

// https://learn.microsoft.com/powershell/module/microsoftteams/new-csonlinevoiceroute (and Set-)
const ROUTE_PARAMS: CmdletSpec = {
  NumberPattern: { type: "string" },
  OnlinePstnGatewayList: { type: "any" },
  OnlinePstnUsages: { type: "any" },
  Priority: { type: "int" },
  Description: { type: "string" },
  BridgeSourcePhoneNumber: { type: "string" },
};

// https://learn.microsoft.com/powershell/module/microsoftteams/new-csonlinepstngateway (and Set-)
const GATEWAY_PARAMS: CmdletSpec = {
  SipSignalingPort: { type: "int" },
  BypassMode: { type: "string", validateSet: ["None", "Always", "OnlyForLocalUsers"] },
  Description: { type: "string" },
  Enabled: { type: "bool" },
  FailoverResponseCodes: { type: "string" },
  FailoverTimeSeconds: { type: "int" },
  ForwardCallHistory: { type: "bool" },
  ForwardPai: { type: "bool" },
  GatewayLbrEnabledUserOverride: { type: "bool" },
  GatewaySiteId: { type: "string" },
  GatewaySiteLbrEnabled: { type: "bool" },
  IPAddressVersion: { type: "string", validateSet: ["IPv4", "IPv6"] },
  InboundPstnNumberTranslationRules: { type: "any" },
  InboundTeamsNumberTranslationRules: { type: "any" },
  MaxConcurrentSessions: { type: "int" },
  MediaBypass: { type: "bool" },
  MediaRelayRoutingLocationOverride: { type: "string" },
  OutboundPstnNumberTranslationRules: { type: "any" },
  OutboundTeamsNumberTranslationRules: { type: "any" },
  PidfLoSupported: { type: "bool" },
  ProxySbc: { type: "string" },
  SendSipOptions: { type: "bool" },
};

// https://learn.microsoft.com/powershell/module/microsoftteams/grant-csonlinevoiceroutingpolicy and
// https://learn.microsoft.com/powershell/module/microsoftteams/grant-cstenantdialplan: sets Identity,
// GrantToTenant (-Global) and GrantToGroup (-Group, -Rank); PolicyName is required ($null unassigns).
const GRANT_PARAMS: CmdletSpec = {
  Identity: identity(false),
  PolicyName: { type: "string", mandatory: true },
  Global: { type: "switch" },
  Group: { type: "string" },
  Rank: { type: "int" },
  PassThru: { type: "switch" },
  Force: { type: "switch" },
};
const GRANT_SETS = {
  Identity: { only: ["Identity"], mandatory: [] },
  GrantToTenant: { only: ["Global"], mandatory: [] },
  GrantToGroup: { only: ["Group", "Rank"], mandatory: ["Group"] },
};

/**
 * Parameters that belong to one parameter set only (the first set is the default); naming parameters of two
 * sets fails with "Parameter set cannot be resolved using the specified named parameters."
 */
const PARAMETER_SETS: Record<string, Record<string, { only: string[]; mandatory: string[] }>> = {
  "New-CsOnlineVoiceRoute": {
    Identity: { only: ["Identity"], mandatory: ["Identity"] },
    ParentAndRelativeKey: { only: ["Name"], mandatory: ["Name"] },
  },
  "New-CsOnlinePSTNGateway": {
    Identity: { only: ["Identity"], mandatory: ["Identity"] },
    ParentAndRelativeKey: { only: ["Fqdn"], mandatory: ["Fqdn"] },
  },
  // https://learn.microsoft.com/powershell/module/microsoftteams/new-csvoicenormalizationrule
  "New-CsVoiceNormalizationRule": {
    Identity: { only: ["Identity"], mandatory: ["Identity"] },
    ParentAndRelativeKey: { only: ["Parent", "Name"], mandatory: ["Parent", "Name"] },
  },
  "Grant-CsOnlineVoiceRoutingPolicy": GRANT_SETS,
  "Grant-CsTenantDialPlan": GRANT_SETS,
};

export const CMDLETS: Record<string, CmdletSpec> = {
  "Connect-MicrosoftTeams": {
    AccessTokens: { type: "strings" },
    TenantId: { type: "string" },
    Identity: { type: "switch" },
  },
  "Disconnect-MicrosoftTeams": {},
  "Get-CsOnlineVoicemailUserSettings": { Identity: identity() },
  "Set-CsOnlineVoicemailUserSettings": {
    Identity: identity(),
    VoicemailEnabled: { type: "bool" },
    PromptLanguage: { type: "string" },
    CallAnswerRule: {
      type: "string",
      validateSet: [
        "DeclineCall",
        "PromptOnly",
        "PromptOnlyWithTransfer",
        "RegularVoicemail",
        "VoicemailWithTransferOption",
      ],
    },
    TransferTarget: { type: "string" },
    DefaultGreetingPromptOverwrite: { type: "string" },
    DefaultOofGreetingPromptOverwrite: { type: "string" },
    OofGreetingEnabled: { type: "bool" },
    OofGreetingFollowAutomaticRepliesEnabled: { type: "bool" },
    OofGreetingFollowCalendarEnabled: { type: "bool" },
    ShareData: { type: "bool" },
    Force: { type: "switch" },
  },
  "Get-CsOnlineUser": {
    Identity: identity(false),
    Filter: { type: "string" },
    Properties: { type: "strings" },
    AccountType: {
      type: "string",
      validateSet: ["User", "ResourceAccount", "Guest", "SfBOnPremUser", "IneligibleUser"],
    },
    ResultSize: { type: "int" },
  },
  // https://learn.microsoft.com/powershell/module/microsoftteams/get-csonlinepstnusage
  "Get-CsOnlinePstnUsage": { Identity: identity(false), Filter: { type: "string" } },
  // https://learn.microsoft.com/powershell/module/microsoftteams/set-csonlinepstnusage: -Usage @{Add=..;Remove=..}
  "Set-CsOnlinePstnUsage": {
    Identity: identity(false),
    Usage: { type: "any" },
    Force: { type: "switch" },
    Instance: { type: "any" },
  },
  "Get-CsOnlineVoiceRoute": { Identity: identity(false), Filter: { type: "string" } },
  "New-CsOnlineVoiceRoute": { Identity: identity(false), Name: { type: "string" }, ...ROUTE_PARAMS },
  "Set-CsOnlineVoiceRoute": { Identity: identity(), ...ROUTE_PARAMS },
  "Remove-CsOnlineVoiceRoute": { Identity: identity() },
  // https://learn.microsoft.com/powershell/module/microsoftteams/new-csonlinevoiceroutingpolicy (and Set-)
  "Get-CsOnlineVoiceRoutingPolicy": { Identity: identity(false), Filter: { type: "string" } },
  "New-CsOnlineVoiceRoutingPolicy": {
    Identity: identity(),
    OnlinePstnUsages: { type: "any" },
    Description: { type: "string" },
  },
  "Set-CsOnlineVoiceRoutingPolicy": {
    Identity: identity(),
    OnlinePstnUsages: { type: "any" },
    Description: { type: "string" },
  },
  "Remove-CsOnlineVoiceRoutingPolicy": { Identity: identity() },
  "Grant-CsOnlineVoiceRoutingPolicy": GRANT_PARAMS,
  // https://learn.microsoft.com/powershell/module/microsoftteams/new-cstenantdialplan (and Set-)
  "Get-CsTenantDialPlan": { Identity: identity(false), Filter: { type: "string" } },
  "New-CsTenantDialPlan": {
    Identity: identity(),
    SimpleName: { type: "string" },
    Description: { type: "string" },
    NormalizationRules: { type: "any" },
  },
  "Set-CsTenantDialPlan": {
    Identity: identity(),
    SimpleName: { type: "string" },
    Description: { type: "string" },
    NormalizationRules: { type: "any" },
  },
  "Remove-CsTenantDialPlan": { Identity: identity() },
  "Grant-CsTenantDialPlan": GRANT_PARAMS,
  // Only in memory (-InMemory): the rules travel inside New-/Set-CsTenantDialPlan -NormalizationRules.
  "New-CsVoiceNormalizationRule": {
    Identity: identity(false),
    Parent: { type: "string" },
    Name: { type: "string" },
    Description: { type: "string" },
    Pattern: { type: "string" },
    Translation: { type: "string" },
    IsInternalExtension: { type: "bool" },
    Priority: { type: "int" },
    InMemory: { type: "switch" },
    Force: { type: "switch" },
    Tenant: { type: "string" },
  },
  // https://learn.microsoft.com/powershell/module/microsoftteams/get-csonlinepstngateway
  "Get-CsOnlinePSTNGateway": { Identity: identity(false), Filter: { type: "string" } },
  "New-CsOnlinePSTNGateway": {
    Identity: identity(false),
    Fqdn: { type: "string" },
    ...GATEWAY_PARAMS,
    SipSignalingPort: { type: "int", mandatory: true },
  },
  // https://learn.microsoft.com/powershell/module/microsoftteams/set-csonlinepstngateway
  "Set-CsOnlinePSTNGateway": { Identity: identity(), ...GATEWAY_PARAMS },
  "Set-CsPhoneNumberAssignment": {
    Identity: { type: "string", mandatory: true },
    PhoneNumber: { type: "string", aliases: ["TelephoneNumber"] },
    PhoneNumberType: {
      type: "string",
      aliases: ["NumberType"],
      validateSet: ["DirectRouting", "CallingPlan", "OperatorConnect"],
    },
    LocationId: { type: "string" },
    AssignmentCategory: { type: "string", validateSet: ["Primary", "Private", "Alternate"] },
    NetworkSiteId: { type: "string" },
    EnterpriseVoiceEnabled: { type: "bool" },
    Notify: { type: "switch" },
  },
  "Remove-CsPhoneNumberAssignment": {
    Identity: { type: "string", mandatory: true },
    PhoneNumber: { type: "string", aliases: ["TelephoneNumber"] },
    PhoneNumberType: {
      type: "string",
      aliases: ["NumberType"],
      validateSet: ["DirectRouting", "CallingPlan", "OperatorConnect"],
    },
    RemoveAll: { type: "switch" },
    Notify: { type: "switch" },
  },
  "Get-CsPhoneNumberAssignment": {
    TelephoneNumber: { type: "string" },
    AssignedPstnTargetId: { type: "string" },
    NumberType: { type: "string" },
    PstnAssignmentStatus: { type: "string" },
    Top: { type: "int" },
  },
};

/** PowerShell's common parameters: accepted and ignored. */
const COMMON = [
  "Verbose",
  "Debug",
  "ErrorAction",
  "WarningAction",
  "InformationAction",
  "ErrorVariable",
  "WarningVariable",
  "InformationVariable",
  "OutVariable",
  "OutBuffer",
  "PipelineVariable",
  "ProgressAction",
  "WhatIf",
  "Confirm",
];

export interface PsErrorRecord {
  type: string;
  message: string;
  category: string;
  fullyQualifiedErrorId: string;
}

export class PsError extends Error {
  constructor(readonly record: PsErrorRecord) {
    super(record.message);
  }
}

export function commandNotFound(name: string): PsError {
  return new PsError({
    type: "CommandNotFoundException",
    message: `The term '${name}' is not recognized as a name of a cmdlet, function, script file, or executable program.\nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
    category: "ObjectNotFound",
    fullyQualifiedErrorId: "CommandNotFoundException",
  });
}

function bindingError(cmdlet: string, id: string, message: string, category = "InvalidArgument"): PsError {
  return new PsError({
    type: "ParameterBindingException",
    message,
    category,
    fullyQualifiedErrorId: `${id},${cmdlet}`,
  });
}

export function resolveCmdlet(name: string): string | undefined {
  return Object.keys(CMDLETS).find((c) => c.toLowerCase() === name.toLowerCase());
}

function matchParam(cmdlet: string, spec: CmdletSpec, typed: string): string | "common" {
  const lower = typed.toLowerCase();
  const all = Object.entries(spec);
  for (const [n, p] of all) {
    if (n.toLowerCase() === lower || p.aliases?.some((a) => a.toLowerCase() === lower)) return n;
  }
  if (COMMON.some((c) => c.toLowerCase() === lower)) return "common";
  const candidates = all.map(([n]) => n).filter((n) => n.toLowerCase().startsWith(lower));
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length > 1) {
    throw bindingError(
      cmdlet,
      "AmbiguousParameter",
      `Parameter cannot be processed because the parameter name '${typed}' is ambiguous. Possible matches include: ${candidates.map((c) => `-${c}`).join(" ")}.`,
    );
  }
  throw bindingError(
    cmdlet,
    "NamedParameterNotFound",
    `A parameter cannot be found that matches parameter name '${typed}'.`,
  );
}

function convert(cmdlet: string, param: string, p: ParamSpec, v: PsValue | undefined): PsValue {
  const fail = (target: string) =>
    bindingError(
      cmdlet,
      "ParameterArgumentTransformationError",
      `Cannot process argument transformation on parameter '${param}'. Cannot convert value "${String(v)}" to type "${target}".`,
    );
  switch (p.type) {
    case "switch":
      if (v === undefined) return true;
      if (typeof v !== "boolean") throw fail("System.Management.Automation.SwitchParameter");
      return v;
    case "bool":
      if (typeof v === "boolean") return v;
      if (typeof v === "number") return v !== 0;
      throw bindingError(
        cmdlet,
        "ParameterArgumentTransformationError",
        `Cannot process argument transformation on parameter '${param}'. Cannot convert value "System.String" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
      );
    case "int":
      if (typeof v === "number") return v;
      if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
      throw fail("System.Int32");
    case "string": {
      if (v === null) return null;
      if (typeof v === "object") throw fail("System.String");
      const s = String(v);
      if (p.validateSet && !p.validateSet.some((x) => x.toLowerCase() === s.toLowerCase())) {
        throw bindingError(
          cmdlet,
          "ParameterArgumentValidationError",
          `Cannot validate argument on parameter '${param}'. The argument "${s}" does not belong to the set "${p.validateSet.join(",")}" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`,
        );
      }
      return p.validateSet?.find((x) => x.toLowerCase() === s.toLowerCase()) ?? s;
    }
    case "strings":
      if (v === null || v === undefined) return [];
      return (Array.isArray(v) ? v : [v]).map((x) => String(x));
    default:
      return v ?? null;
  }
}

export interface BoundCommand {
  cmdlet: string;
  parameters: Record<string, PsValue>;
}

/** Binds named parameters like PowerShell's parameter binder (names, unique prefixes, aliases, sets, mandatory). */
export function bindCommand(request: PsRequest): BoundCommand {
  const cmdlet = resolveCmdlet(String(request.cmdlet ?? ""));
  if (!cmdlet) throw commandNotFound(String(request.cmdlet ?? ""));
  const spec = CMDLETS[cmdlet] ?? {};
  const parameters: Record<string, PsValue> = {};
  for (const [typed, value] of Object.entries(request.parameters ?? {})) {
    const name = matchParam(cmdlet, spec, typed);
    if (name === "common") continue;
    if (name in parameters) {
      throw bindingError(
        cmdlet,
        "ParameterAlreadyBound",
        `Cannot bind parameter because parameter '${name}' is specified more than once.`,
      );
    }
    parameters[name] = convert(cmdlet, name, spec[name] as ParamSpec, value);
  }
  const sets = PARAMETER_SETS[cmdlet];
  let setMandatory: string[] = [];
  if (sets) {
    const named = Object.entries(sets).filter(([, s]) => s.only.some((p) => p in parameters));
    if (named.length > 1) {
      throw bindingError(
        cmdlet,
        "AmbiguousParameterSet",
        "Parameter set cannot be resolved using the specified named parameters. One or more parameters issued cannot be used together or an insufficient number of parameters were provided.",
      );
    }
    setMandatory = (named[0]?.[1] ?? Object.values(sets)[0])?.mandatory ?? [];
  }
  const missing = [
    ...Object.entries(spec)
      .filter(([n, p]) => p.mandatory && !(n in parameters))
      .map(([n]) => n),
    ...setMandatory.filter((n) => !(n in parameters)),
  ];
  if (missing.length > 0) {
    throw bindingError(
      cmdlet,
      "MissingMandatoryParameter",
      `Cannot process command because of one or more missing mandatory parameters: ${missing.join(" ")}.`,
    );
  }
  return { cmdlet, parameters };
}
