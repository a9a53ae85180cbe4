import type { SecretBox } from "../../crypto/secret-box.js";
import type { Executor } from "../../db/client.js";
import { accountRepository, type TenantScope, tenantScope } from "../tenancy/index.js";
import { effectiveSipRealm } from "../trunks/index.js";
import type { SbcAdapter, SbcEnterpriseConfig, SbcSyncResult } from "./adapter.js";
import { sbcDevices } from "./devices.js";
import { sbcRepository } from "./repository.js";

/** The scope a sync acts in: the enterprise's own account; null when the account is gone. */
async function enterpriseScope(db: Executor, enterpriseId: string): Promise<TenantScope | null> {
  // Unscoped by id: a job names the enterprise it acts for, and acts within that enterprise only.
  const account = await accountRepository(db).findById(enterpriseId);
  return account ? tenantScope(account) : null;
}

/**
 * What the SBC should hold for an enterprise, from the portal's tables; null when nothing:
 * no trunk profile, trunk disabled, enterprise suspended or being deleted.
 */
export async function loadDesiredState(
  db: Executor,
  secrets: Pick<SecretBox, "open">,
  enterpriseId: string,
): Promise<SbcEnterpriseConfig | null> {
  const scope = await enterpriseScope(db, enterpriseId);
  return scope ? desiredState(db, secrets, scope, enterpriseId) : null;
}

async function desiredState(
  db: Executor,
  secrets: Pick<SecretBox, "open">,
  scope: TenantScope,
  enterpriseId: string,
): Promise<SbcEnterpriseConfig | null> {
  const repository = sbcRepository(db);
  const trunk = await repository.trunk(scope, enterpriseId);
  if (!trunk) return null;
  if (trunk.status === "disabled" || trunk.accountStatus !== "active" || trunk.lifecycle === "deleting")
    return null;
  const fqdn = trunk.fqdn.toLowerCase();
  return {
    trunk: {
      enterpriseId,
      fqdn,
      pbxHost: trunk.pbxHost,
      pbxPort: trunk.pbxPort,
      transport: trunk.transport,
      sipDomain: trunk.sipDomain,
      realm: effectiveSipRealm(trunk),
      outboundProxy: trunk.outboundProxy,
      mode: trunk.mode,
      allowedIps: trunk.allowedIps,
      maxConcurrentCalls: trunk.maxConcurrentCalls,
      // The SBC's words (htable ent:<id>:refer): "strip" REFER from Allow, or "route" the transfer INVITE.
      transferMode: trunk.transferMode === "route" ? "route" : "strip",
      codecs: trunk.codecs.map(sdpCodecName),
    },
    devices: sbcDevices(await repository.devices(scope, enterpriseId), secrets, enterpriseId, fqdn),
  };
}

/** The SDP encoding name (a=rtpmap) of a trunk profile codec: Opus is "opus" (RFC 7587), the others as named. */
function sdpCodecName(codec: string): string {
  return codec === "OPUS" ? "opus" : codec;
}

/** After this long a run syncs even when nothing changed, repairing an SBC that lost its state. */
export const SBC_RESYNC_AFTER_MS = 5 * 60_000;

/**
 * Fingerprints of the last successful sync, per adapter and enterprise. Held by the process's adapter handle
 * (runtime.ts, built by the composition root), not by this module.
 */
export type AppliedSyncs = WeakMap<object, Map<string, { fp: string; at: number }>>;

/**
 * Reads the desired state and makes the SBC hold it. Idempotent. With `deps.sbc.applied`, a run whose
 * inputs did not change since the last one (within SBC_RESYNC_AFTER_MS) stops after the fingerprint.
 */
export async function syncEnterprise(
  deps: { db: Executor; secrets: Pick<SecretBox, "open">; sbc?: { readonly applied: AppliedSyncs } },
  adapter: SbcAdapter,
  enterpriseId: string,
): Promise<SbcSyncResult> {
  const applied = deps.sbc?.applied;
  let cache = applied?.get(adapter);
  if (applied && !cache) {
    cache = new Map();
    applied.set(adapter, cache);
  }
  const scope = await enterpriseScope(deps.db, enterpriseId);
  const fp = scope ? await sbcRepository(deps.db).fingerprint(scope, enterpriseId) : "gone";
  const last = cache?.get(enterpriseId);
  if (last && last.fp === fp && Date.now() - last.at < SBC_RESYNC_AFTER_MS) {
    return {
      adapter: adapter.kind,
      trunk: "unchanged",
      devices: { added: [], changed: [], removed: [] },
      numbers: { added: [], removed: [] },
      activated: true,
      note: "nothing changed since the last sync",
    };
  }
  const desired = scope ? await desiredState(deps.db, deps.secrets, scope, enterpriseId) : null;
  const result = await adapter.sync(enterpriseId, desired);
  // Written (and activated, or no RPC to activate with): a failed activation threw and is retried.
  cache?.set(enterpriseId, { fp, at: Date.now() });
  return result;
}
