import { PowerShellError, type PowerShellPool, type PsData } from "./runner.js";

/** Tenant voice configuration objects as the Get-Cs* cmdlets return them (PascalCase properties). */
export interface ConfigurationObject {
  Identity: string;
  [key: string]: unknown;
}

/** The tenant-wide Teams voice objects, each with its documented Get/New/Set/Remove cmdlets. */
const KINDS = {
  voiceRoute: {
    get: "Get-CsOnlineVoiceRoute",
    create: "New-CsOnlineVoiceRoute",
    update: "Set-CsOnlineVoiceRoute",
    remove: "Remove-CsOnlineVoiceRoute",
  },
  voiceRoutingPolicy: {
    get: "Get-CsOnlineVoiceRoutingPolicy",
    create: "New-CsOnlineVoiceRoutingPolicy",
    update: "Set-CsOnlineVoiceRoutingPolicy",
    remove: "Remove-CsOnlineVoiceRoutingPolicy",
  },
  dialPlan: {
    get: "Get-CsTenantDialPlan",
    create: "New-CsTenantDialPlan",
    update: "Set-CsTenantDialPlan",
    remove: "Remove-CsTenantDialPlan",
  },
} as const;
export type ConfigurationKind = keyof typeof KINDS;

/** ConvertTo-Json answers one object for a single result and nothing for none. */
function asList(output: unknown): ConfigurationObject[] {
  if (output === null || output === undefined) return [];
  return (Array.isArray(output) ? output : [output]) as ConfigurationObject[];
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof PowerShellError &&
    (error.details.category === "ObjectNotFound" ||
      /cannot find|not found|does not exist/i.test(error.message))
  );
}

/**
 * A customer tenant's Teams voice configuration through the documented MicrosoftTeams cmdlets
 * (https://learn.microsoft.com/powershell/module/microsoftteams/), run by the long-lived PowerShell runner with
 * every value passed as data.
 */
export function teamsConfiguration(powershell: PowerShellPool, tenantId: string) {
  const run = (
    cmdlet: Parameters<PowerShellPool["run"]>[1],
    parameters: Record<string, PsData | undefined>,
  ) => powershell.run(tenantId, cmdlet, parameters);
  return {
    /** The tenant's one PSTN usage list (Identity Global). */
    async pstnUsages(): Promise<string[]> {
      const [global] = asList(await run("Get-CsOnlinePstnUsage", {}));
      return ((global?.Usage as unknown[] | undefined) ?? []).map(String);
    },
    async addPstnUsage(usage: string): Promise<void> {
      await run("Set-CsOnlinePstnUsage", { Identity: "Global", Usage: { Add: [usage] } });
    },
    async removePstnUsage(usage: string): Promise<void> {
      await run("Set-CsOnlinePstnUsage", { Identity: "Global", Usage: { Remove: [usage] } });
    },
    async list(kind: ConfigurationKind): Promise<ConfigurationObject[]> {
      return asList(await run(KINDS[kind].get, {}));
    },
    async create(kind: ConfigurationKind, parameters: Record<string, PsData | undefined>): Promise<void> {
      await run(KINDS[kind].create, parameters);
    },
    async update(kind: ConfigurationKind, parameters: Record<string, PsData | undefined>): Promise<void> {
      await run(KINDS[kind].update, parameters);
    },
    /** Removes an object; one that is already gone is fine. */
    async remove(kind: ConfigurationKind, identity: string): Promise<void> {
      try {
        await run(KINDS[kind].remove, { Identity: identity });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}

export type TeamsConfiguration = ReturnType<typeof teamsConfiguration>;
