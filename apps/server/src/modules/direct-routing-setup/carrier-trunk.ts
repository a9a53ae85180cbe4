import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database, Executor } from "../../db/client.js";
import { RetryLater } from "../../jobs/define-job.js";
import {
  classifyMicrosoftFailure,
  connectedTenant,
  type MicrosoftPort,
  type TeamsPowerShell,
} from "../microsoft/index.js";
import { effectiveOperatorSettings } from "../operator-settings/index.js";
import { accountRepository } from "../tenancy/index.js";
import { type CarrierTrunkValues, carrierTrunkRepository } from "./carrier-repository.js";
import type { CarrierTrunkRow } from "./schema.js";

export interface CarrierTrunkDeps {
  db: Database;
  config: Config;
  secrets: SecretBox;
  log: Logger;
  microsoft: MicrosoftPort;
}

export type CarrierTrunkState = "not-connected" | "configuring" | "ready" | "failed";

/** The base-domain gateway as `New-CsOnlinePSTNGateway` takes it (Microsoft's parameter names). */
export interface CarrierGatewayParameters {
  Fqdn: string;
  SipSignalingPort: number;
  MaxConcurrentSessions: number;
  ForwardPai: boolean;
  MediaBypass: boolean;
  Enabled: boolean;
}

export const DEFAULT_CARRIER_TRUNK = { sipSignalingPort: 5061, maxConcurrentSessions: 100 };

/** The operator account: its Microsoft connection is the carrier's own tenant. */
export async function operatorAccountId(db: Executor): Promise<string | null> {
  return (await accountRepository(db).findOperator())?.id ?? null;
}

export const loadCarrierTrunk = (db: Executor) => carrierTrunkRepository(db).load();
const saveState = (db: Executor, values: CarrierTrunkValues) => carrierTrunkRepository(db).save(values);

/** The parameters the carrier's base-domain gateway must have (Microsoft: "Configure an SBC for multiple tenants"). */
export function wantedGateway(
  fqdn: string,
  row: Pick<CarrierTrunkRow, "sipSignalingPort" | "maxConcurrentSessions"> | undefined,
): CarrierGatewayParameters {
  return {
    Fqdn: fqdn,
    SipSignalingPort: row?.sipSignalingPort ?? DEFAULT_CARRIER_TRUNK.sipSignalingPort,
    MaxConcurrentSessions: row?.maxConcurrentSessions ?? DEFAULT_CARRIER_TRUNK.maxConcurrentSessions,
    ForwardPai: true,
    MediaBypass: false,
    Enabled: true,
  };
}

/** The fields of `wanted` that the gateway Microsoft returned does not have (empty: nothing to write). */
export function gatewayDifferences(
  found: Record<string, unknown>,
  wanted: CarrierGatewayParameters,
): (keyof CarrierGatewayParameters)[] {
  const keys = ["SipSignalingPort", "MaxConcurrentSessions", "ForwardPai", "MediaBypass", "Enabled"] as const;
  return keys.filter((key) => found[key] !== wanted[key]);
}

function asList(output: unknown): Record<string, unknown>[] {
  if (output === null || output === undefined) return [];
  return (Array.isArray(output) ? output : [output]) as Record<string, unknown>[];
}

/** Reads the carrier tenant's PSTN gateways and returns the base-domain one, if any (read-only). */
export async function findCarrierGateway(
  teamsPowerShell: Pick<TeamsPowerShell, "run">,
  fqdn: string,
): Promise<Record<string, unknown> | undefined> {
  const gateways = asList(await teamsPowerShell.run("Get-CsOnlinePSTNGateway", {}));
  const want = fqdn.toLowerCase();
  return gateways.find((g) => String(g.Fqdn ?? g.Identity ?? "").toLowerCase() === want);
}

/**
 * Microsoft publishes no figure for role propagation ("Application-based authentication in Teams PowerShell
 * Module"); minutes in practice. After this long the apply fails with what to check.
 */
export const ROLE_PROPAGATION_MAX_SECONDS = 2 * 3600;

/**
 * Creates or updates the carrier's base-domain PSTN gateway in the carrier's own tenant: Get, then New or
 * Set (idempotent: a gateway that already matches gets no write). Gives the app's service principal the
 * Teams Administrator role first, which the Teams PowerShell cmdlets need app-only.
 * Failures that retrying will not fix are stored as `failed` with the reason; others are thrown for a retry.
 */
export async function applyCarrierTrunk(
  deps: CarrierTrunkDeps,
  options: { lastAttempt?: boolean } = {},
): Promise<CarrierTrunkState> {
  const operatorId = await operatorAccountId(deps.db);
  const connection = operatorId ? await connectedTenant(deps.db, operatorId) : undefined;
  if (!connection) return "not-connected";
  const settings = await effectiveOperatorSettings(deps);
  const fail = async (error: string): Promise<CarrierTrunkState> => {
    await saveState(deps.db, { status: "failed", error });
    return "failed";
  };
  if (!settings.sbcBaseDomain)
    return fail("Set the SBC base domain in Operator settings first; it is the carrier trunk's FQDN.");
  await saveState(deps.db, { status: "configuring", error: null });
  let roleAssigned = false;
  try {
    const carrier = await deps.microsoft.tenant(connection.tenantId);
    const role = await carrier.identity.ensureTeamsAdministratorRole();
    if (!role)
      return fail(
        "The app has no service principal in the carrier tenant: click Connect the carrier tenant again (admin consent).",
      );
    roleAssigned = true;
    const row = await loadCarrierTrunk(deps.db);
    const wanted = wantedGateway(settings.sbcBaseDomain, row);
    const found = await findCarrierGateway(carrier.teamsPowerShell, wanted.Fqdn);
    if (!found) {
      await carrier.teamsPowerShell.run("New-CsOnlinePSTNGateway", { ...wanted });
    } else if (gatewayDifferences(found, wanted).length > 0) {
      const { Fqdn: _fqdn, ...rest } = wanted;
      await carrier.teamsPowerShell.run("Set-CsOnlinePSTNGateway", {
        Identity: String(found.Identity ?? wanted.Fqdn),
        ...rest,
      });
    }
    await saveState(deps.db, {
      status: "ready",
      error: null,
      appliedFqdn: wanted.Fqdn,
      appliedAt: new Date(),
      waitingSince: null,
    });
    return "ready";
  } catch (error) {
    const failure = classifyMicrosoftFailure(error, { teamsAdminRoleAssigned: roleAssigned });
    if (failure.kind === "retryLater") throw error;
    if (failure.kind === "waitingForMicrosoft") return waitForRole(deps, connection.tenantId);
    if (failure.kind === "transient" && !options.lastAttempt) throw error;
    return fail(`Microsoft refused the carrier trunk: ${failure.message}`);
  }
}

/**
 * Waiting for Microsoft: the role is assigned but the app's tokens do not carry it yet. Checks again with fresh
 * tokens, backing off, until ROLE_PROPAGATION_MAX_SECONDS have passed; then fails with what to check.
 */
async function waitForRole(deps: CarrierTrunkDeps, tenantId: string): Promise<CarrierTrunkState> {
  const since = (await loadCarrierTrunk(deps.db))?.waitingSince ?? new Date();
  const elapsed = (Date.now() - since.getTime()) / 1000;
  if (elapsed > ROLE_PROPAGATION_MAX_SECONDS) {
    await saveState(deps.db, {
      status: "failed",
      waitingSince: null,
      error:
        "Microsoft still refuses the app's Teams PowerShell sign-in in the carrier tenant two hours after the Teams Administrator role was assigned. Check in the Microsoft Entra admin center that the app's service principal holds Teams Administrator, then click Re-apply.",
    });
    return "failed";
  }
  await saveState(deps.db, {
    status: "configuring",
    waitingSince: since,
    error: `Waiting for Microsoft: the Teams Administrator role to reach the app's tokens (since ${since.toISOString()}; usually minutes).`,
  });
  (await deps.microsoft.tenant(tenantId)).identity.refreshTokens();
  throw new RetryLater(Math.min(600, Math.max(2, Math.round(elapsed / 2))), "waiting for role propagation");
}

export interface CarrierTrunkView {
  state: CarrierTrunkState;
  error: string | null;
  tenantId: string | null;
  tenantDomain: string | null;
  fqdn: string | null;
  sipSignalingPort: number;
  maxConcurrentSessions: number;
  appliedAt: string | null;
}

/** What Operator settings shows: the connection, the parameters and the state of the last apply. */
export async function carrierTrunkView(deps: CarrierTrunkDeps): Promise<CarrierTrunkView> {
  const operatorId = await operatorAccountId(deps.db);
  const connection = operatorId ? await connectedTenant(deps.db, operatorId) : undefined;
  const row = await loadCarrierTrunk(deps.db);
  const settings = await effectiveOperatorSettings(deps);
  const state: CarrierTrunkState = !connection
    ? "not-connected"
    : ((row?.status as CarrierTrunkState | null) ?? "configuring");
  return {
    state,
    error: connection ? (row?.error ?? null) : null,
    tenantId: connection?.tenantId ?? null,
    tenantDomain: connection?.tenantDomain ?? null,
    fqdn: settings.sbcBaseDomain,
    sipSignalingPort: row?.sipSignalingPort ?? DEFAULT_CARRIER_TRUNK.sipSignalingPort,
    maxConcurrentSessions: row?.maxConcurrentSessions ?? DEFAULT_CARRIER_TRUNK.maxConcurrentSessions,
    appliedAt: row?.appliedAt?.toISOString() ?? null,
  };
}

/** Saves the gateway parameters (the apply job then makes the gateway match). */
export async function updateCarrierTrunkParameters(
  db: Executor,
  input: { sipSignalingPort: number; maxConcurrentSessions: number },
): Promise<{ before: CarrierTrunkRow | undefined }> {
  const before = await loadCarrierTrunk(db);
  await saveState(db, input);
  return { before };
}

/** Marks a new apply as queued, so the page shows "configuring" until the job has run. */
export async function markConfiguring(db: Executor): Promise<void> {
  await saveState(db, { status: "configuring", error: null, waitingSince: null });
}
