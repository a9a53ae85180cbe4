import { eq, sql } from "drizzle-orm";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Executor } from "../../db/client.js";
import { enterprises } from "../enterprises/schema.js";
import { accounts } from "../tenancy/schema.js";
import { trunkProfiles } from "../trunks/schema.js";
import { effectiveSipRealm } from "../trunks/service.js";
import type { SbcAdapter, SbcEnterpriseConfig, SbcSyncResult } from "./adapter.js";
import { loadSbcDevices } from "./devices.js";

/**
 * What the SBC should hold for an enterprise, from the portal's tables; null when nothing:
 * no trunk profile, trunk disabled, enterprise suspended or being deleted.
 */
export async function loadDesiredState(
  db: Executor,
  secrets: Pick<SecretBox, "open">,
  enterpriseId: string,
): Promise<SbcEnterpriseConfig | null> {
  const [row] = await db
    .select({ trunk: trunkProfiles, accountStatus: accounts.status, lifecycle: enterprises.lifecycle })
    .from(trunkProfiles)
    .innerJoin(accounts, eq(accounts.id, trunkProfiles.enterpriseAccountId))
    .leftJoin(enterprises, eq(enterprises.accountId, trunkProfiles.enterpriseAccountId))
    .where(eq(trunkProfiles.enterpriseAccountId, enterpriseId))
    .limit(1);
  if (!row) return null;
  const { trunk } = row;
  if (trunk.status === "disabled" || row.accountStatus !== "active" || row.lifecycle === "deleting")
    return null;
  return {
    trunk: {
      enterpriseId,
      fqdn: trunk.fqdn.toLowerCase(),
      pbxHost: trunk.pbxHost,
      pbxPort: trunk.pbxPort,
      transport: trunk.transport,
      sipDomain: trunk.sipDomain,
      realm: effectiveSipRealm(trunk),
      outboundProxy: trunk.outboundProxy,
      mode: trunk.mode,
      allowedIps: trunk.allowedIps,
    },
    devices: await loadSbcDevices(db, secrets, enterpriseId, trunk.fqdn.toLowerCase()),
  };
}

/**
 * A cheap fingerprint of everything the SBC state is derived from (one aggregate query, no
 * decryption): a run whose fingerprint matches the last applied one has nothing to do.
 */
export async function desiredFingerprint(db: Executor, enterpriseId: string): Promise<string> {
  const result = await db.execute<{ fp: string }>(sql`
    select md5(concat_ws('|',
      (select concat_ws(',', t.fqdn, t.pbx_host, t.pbx_port, t.transport, t.sip_domain, coalesce(t.pbx_realm, ''), t.outbound_proxy, t.mode,
                        t.allowed_ips::text, t.status)
         from trunk_profiles t where t.enterprise_account_id = ${enterpriseId}),
      (select a.status::text from accounts a where a.id = ${enterpriseId}),
      (select e.lifecycle::text from enterprises e where e.account_id = ${enterpriseId}),
      (select string_agg(concat_ws(',', d.id, d.auth_id, d.password_sealed, u.sip_user, u.phone_number,
                                   u.calling_enabled, u.deleting), ';' order by d.id)
         from sip_devices d join provisioned_users u on u.id = d.provisioned_user_id
         where d.enterprise_account_id = ${enterpriseId})
    )) as fp`);
  return result.rows[0]!.fp;
}

/** Fingerprints of the last successful sync, per adapter and enterprise, kept for a while. */
const applied = new WeakMap<object, Map<string, { fp: string; at: number }>>();
/** After this long a run syncs even when nothing changed, repairing an SBC that lost its state. */
export const SBC_RESYNC_AFTER_MS = 5 * 60_000;

/** Reads the desired state and makes the SBC hold it. Idempotent. */
export async function syncEnterprise(
  deps: { db: Executor; secrets: Pick<SecretBox, "open"> },
  adapter: SbcAdapter,
  enterpriseId: string,
): Promise<SbcSyncResult> {
  let cache = applied.get(adapter);
  if (!cache) {
    cache = new Map();
    applied.set(adapter, cache);
  }
  const fp = await desiredFingerprint(deps.db, enterpriseId);
  const last = cache.get(enterpriseId);
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
  const desired = await loadDesiredState(deps.db, deps.secrets, enterpriseId);
  const result = await adapter.sync(enterpriseId, desired);
  // Written (and activated, or no RPC to activate with): a failed activation threw and is retried.
  cache.set(enterpriseId, { fp, at: Date.now() });
  return result;
}
