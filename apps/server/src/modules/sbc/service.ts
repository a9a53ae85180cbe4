import { eq } from "drizzle-orm";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Executor } from "../../db/client.js";
import { enterprises } from "../enterprises/schema.js";
import { accounts } from "../tenancy/schema.js";
import { trunkProfiles } from "../trunks/schema.js";
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
      outboundProxy: trunk.outboundProxy,
      mode: trunk.mode,
      allowedIps: trunk.allowedIps,
    },
    devices: await loadSbcDevices(db, secrets, enterpriseId, trunk.fqdn.toLowerCase()),
  };
}

/** Reads the desired state and makes the SBC hold it. Idempotent. */
export async function syncEnterprise(
  deps: { db: Executor; secrets: Pick<SecretBox, "open"> },
  adapter: SbcAdapter,
  enterpriseId: string,
): Promise<SbcSyncResult> {
  const desired = await loadDesiredState(deps.db, deps.secrets, enterpriseId);
  return adapter.sync(enterpriseId, desired);
}
