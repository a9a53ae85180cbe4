import { createHash } from "node:crypto";
import { and, eq, gte, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { enterpriseLifecycle, enterprisesChangedSince } from "../enterprises/index.js";
import { type SbcDevice, sbcDevices, sipUsersChangedSince } from "../teams-users/index.js";
import { accountRepository, accounts, type TenantScope } from "../tenancy/index.js";
import { sbcTrunkProfile, trunkProfilesChangedSince } from "../trunks/index.js";
import type { SbcTrunk } from "./adapter.js";

/**
 * What the SBC reads of the portal: an enterprise's trunk profile (trunks), its state (tenancy's account
 * status, enterprises' lifecycle) and its provisioned users' SIP devices (teams-users), each through the
 * owning module's public read, every one limited to `scope` (the enterprise's account and below).
 */
export type SbcTrunkRow = Pick<
  SbcTrunk,
  "fqdn" | "pbxHost" | "pbxPort" | "transport" | "sipDomain" | "outboundProxy" | "mode" | "allowedIps"
> & {
  pbxRealm: string | null;
  maxConcurrentCalls: number;
  /** The portal's words: "teams" (the SBC strips REFER) or "route". */
  transferMode: "teams" | "route";
  /** The portal's codec names (trunks' CODECS: PCMU, PCMA, G722, G729, OPUS, SILK). */
  codecs: string[];
  status: "pending" | "active" | "disabled";
  accountStatus: string;
  /** null: no enterprises row. */
  lifecycle: "active" | "deleting" | null;
};

export type SbcDeviceRow = Omit<SbcDevice, "deleting">;

/** Everything the SBC state of an enterprise is derived from, read within `scope`. */
async function sources(scope: TenantScope, enterpriseId: string, tx: Executor) {
  // One after another: `tx` may be a transaction's single connection.
  const trunk = await sbcTrunkProfile(scope, enterpriseId, tx);
  const account = await accountRepository(tx).findWithinScope(scope, enterpriseId);
  const lifecycle = await enterpriseLifecycle(scope, enterpriseId, tx);
  const devices = await sbcDevices(scope, enterpriseId, tx);
  return { trunk, account, lifecycle: lifecycle ?? null, devices };
}

export function sbcRepository(db: Executor) {
  return {
    /** The enterprise's trunk profile with its account status and lifecycle; undefined outside `scope`. */
    async trunk(
      scope: TenantScope,
      enterpriseId: string,
      tx: Executor = db,
    ): Promise<SbcTrunkRow | undefined> {
      const trunk = await sbcTrunkProfile(scope, enterpriseId, tx);
      if (!trunk) return undefined;
      const account = await accountRepository(tx).findWithinScope(scope, enterpriseId);
      if (!account) return undefined;
      const lifecycle = await enterpriseLifecycle(scope, enterpriseId, tx);
      return { ...trunk, accountStatus: account.status, lifecycle: lifecycle ?? null };
    },

    /** SIP devices of the enterprise's users not being deleted, oldest first; none outside `scope`. */
    async devices(scope: TenantScope, enterpriseId: string, tx: Executor = db): Promise<SbcDeviceRow[]> {
      const devices = await sbcDevices(scope, enterpriseId, tx);
      return devices.filter((device) => !device.deleting).map(({ deleting: _, ...device }) => device);
    },

    /**
     * A cheap fingerprint of everything the SBC state is derived from (no decryption): sha256 over the
     * trunk profile, account status, lifecycle and every device (with its user's number, calling state and
     * deleting flag). Outside `scope` it is the fingerprint of nothing.
     */
    async fingerprint(scope: TenantScope, enterpriseId: string, tx: Executor = db): Promise<string> {
      const read = await sources(scope, enterpriseId, tx);
      const devices = [...read.devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const stable = JSON.stringify([
        read.trunk ?? null,
        read.account?.status ?? null,
        read.lifecycle,
        devices,
      ]);
      return createHash("sha256").update(stable).digest("hex");
    },
  };
}

/**
 * The change feed of the SBC watch: enterprises whose trunk profile (trunks), provisioned users or SIP
 * devices (teams-users), enterprise profile (enterprises) or account (tenancy) changed, or that lost one of
 * those rows (`sbc_deletions`, this module's table fed by delete triggers: migration 0019), since `since`
 * (every enterprise with one of those rows when null). Deliberately unscoped: the platform's own background
 * loop, which only learns ids and enqueues a sync for each (the sync reads within the enterprise's scope).
 */
export async function changedEnterpriseIds(db: Executor, since: Date | null): Promise<string[]> {
  const at = since ? since.toISOString() : null;
  const ids = new Set([
    ...(await trunkProfilesChangedSince(db, since)),
    ...(await sipUsersChangedSince(db, since)),
    ...(await enterprisesChangedSince(db, since)),
  ]);
  // tenancy exports `accounts` for reads like this one; it has no "changed since" function.
  const enterpriseAccounts = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(eq(accounts.kind, "enterprise"), since ? gte(accounts.updatedAt, since) : undefined));
  for (const row of enterpriseAccounts) ids.add(row.id);
  const deletions = await db.execute<{ id: string }>(sql`
    select distinct enterprise_account_id::text as id from sbc_deletions
     where ${at}::timestamptz is null or deleted_at >= ${at}::timestamptz`);
  for (const row of deletions.rows) ids.add(row.id);
  return [...ids];
}
