import type { PsCommand, PsValue } from "./parser.js";

/** MicrosoftTeams cmdlets the stand-in knows, with their documented parameters. */

type ParamType = "string" | "bool" | "switch" | "int" | "strings" | "hashtable" | "any";

interface ParamSpec {
  type: ParamType;
  aliases?: string[];
  mandatory?: boolean;
  position?: number;
  validateSet?: string[];
}

type CmdletSpec = Record<string, ParamSpec>;

const identity = (mandatory = true): ParamSpec => ({ type: "string", mandatory, position: 0 });

const ROUTE_PARAMS: CmdletSpec = {
  NumberPattern: { type: "string" },
  OnlinePstnGatewayList: { type: "any" },
  OnlinePstnUsages: { type: "any" },
  Priority: { type: "int" },
  Description: { type: "string" },
  BridgeSourcePhoneNumber: { type: "string" },
};

export const CMDLETS: Record<string, CmdletSpec> = {
  "Connect-MicrosoftTeams": {
    AccessTokens: { type: "strings" },
    TenantId: { type: "string" },
    Identity: { type: "switch" },
  },
  "Disconnect-MicrosoftTeams": {},
  "Import-Module": {
    Name: { type: "strings", mandatory: true, position: 0 },
    RequiredVersion: { type: "string" },
    MinimumVersion: { type: "string" },
    Force: { type: "switch" },
    DisableNameChecking: { type: "switch" },
  },
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
  "Get-CsOnlinePstnUsage": { Identity: identity(false) },
  "Set-CsOnlinePstnUsage": { Identity: identity(false), Usage: { type: "any", mandatory: true } },
  "Get-CsOnlineVoiceRoute": { Identity: identity(false), Filter: { type: "string" } },
  "New-CsOnlineVoiceRoute": { Identity: identity(), Name: { type: "string" }, ...ROUTE_PARAMS },
  "Set-CsOnlineVoiceRoute": { Identity: identity(), Name: { type: "string" }, ...ROUTE_PARAMS },
  "Remove-CsOnlineVoiceRoute": { Identity: identity() },
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
  "Grant-CsOnlineVoiceRoutingPolicy": {
    Identity: identity(false),
    PolicyName: { type: "string", position: 1 },
    Global: { type: "switch" },
    Force: { type: "switch" },
  },
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
  "Grant-CsTenantDialPlan": {
    Identity: identity(false),
    PolicyName: { type: "string", position: 1 },
    Global: { type: "switch" },
    Force: { type: "switch" },
  },
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
const COMMON_SWITCHES = new Set(["Verbose", "Debug", "WhatIf", "Confirm"]);

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

/** Binds arguments like PowerShell's parameter binder (names, prefixes, aliases, positions, mandatory). */
export function bindCommand(cmd: PsCommand): BoundCommand {
  const cmdlet = resolveCmdlet(cmd.name);
  if (!cmdlet) throw commandNotFound(cmd.name);
  const spec = CMDLETS[cmdlet] ?? {};
  const parameters: Record<string, PsValue> = {};
  const positional: PsValue[] = [];
  for (let i = 0; i < cmd.args.length; i++) {
    const a = cmd.args[i];
    if (!a) continue;
    if (a.name === null) {
      positional.push(a.value ?? null);
      continue;
    }
    const name = matchParam(cmdlet, spec, a.name);
    const isSwitch = name === "common" ? COMMON_SWITCHES.has(a.name) : spec[name]?.type === "switch";
    let value = a.value;
    if (!a.colon && !isSwitch) {
      const next = cmd.args[i + 1];
      if (!next || next.name !== null) {
        throw bindingError(
          cmdlet,
          "MissingArgument",
          `Missing an argument for parameter '${name === "common" ? a.name : name}'. Specify a parameter of type '${spec[name]?.type ?? "object"}' and try again.`,
        );
      }
      value = next.value;
      i++;
    }
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
  const byPosition = Object.entries(spec)
    .filter(([, p]) => p.position !== undefined)
    .sort((a, b) => (a[1].position ?? 0) - (b[1].position ?? 0));
  for (const value of positional) {
    const slot = byPosition.find(([n]) => !(n in parameters));
    if (!slot) {
      throw bindingError(
        cmdlet,
        "PositionalParameterNotFound",
        `A positional parameter cannot be found that accepts argument '${String(value)}'.`,
      );
    }
    parameters[slot[0]] = convert(cmdlet, slot[0], slot[1], value);
  }
  const missing = Object.entries(spec)
    .filter(([n, p]) => p.mandatory && !(n in parameters))
    .map(([n]) => n);
  if (missing.length > 0) {
    throw bindingError(
      cmdlet,
      "MissingMandatoryParameter",
      `Cannot process command because of one or more missing mandatory parameters: ${missing.join(" ")}.`,
    );
  }
  return { cmdlet, parameters };
}
