import type { MicrosoftTenant } from "../microsoft/index.js";
import type { EffectiveOperatorSettings, SbcRegion } from "../operator-settings/index.js";
import type { TeamsProfile } from "../teams-profiles/index.js";
import type { TrunkProfile } from "../trunks/index.js";
import type { PreflightDeps } from "./deps.js";
import { notOk, type PreflightLine } from "./policies.js";

/** What the checks share: read once per run. */
export interface Context {
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

export type Check = (ctx: Context) => Promise<PreflightLine>;

export const CONNECT_FIX =
  "On the enterprise's Authorization page, click Connect to Microsoft Teams and have the customer's Global Admin accept the permissions.";

export function needsConnection(id: string, label: string): PreflightLine {
  return notOk(
    id,
    label,
    "unknown",
    "Not checked: the enterprise is not connected to Microsoft Teams.",
    CONNECT_FIX,
  );
}

export function needsProfiles(id: string, label: string): PreflightLine {
  return notOk(
    id,
    label,
    "unknown",
    "Not checked: the enterprise has no trunk profile or Teams profile yet.",
    "Complete the enterprise's trunk profile and Teams profile.",
  );
}

/** A health check answers quickly: short inline waits, few retries. */
export const PREFLIGHT_CLIENT = { maxInlineWaitSeconds: 5, attempts: 2 };
