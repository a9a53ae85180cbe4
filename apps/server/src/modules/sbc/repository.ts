import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { accounts, type TenantScope, withinScope } from "../tenancy/index.js";
import type { SbcTrunk } from "./adapter.js";

/**
 * What the SBC reads of the portal's tables: an enterprise's trunk profile (trunks), its state (tenancy,
 * enterprises) and its provisioned users' SIP devices (teams-users). It is the SBC's own read model over
 * those columns, in SQL, so the sbc module imports none of their tables; every read is limited to
 * `scope` (the enterprise's account and below) through tenancy's `withinScope`.
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

export type SbcDeviceRow = {
  id: string;
  authId: string;
  passwordSealed: string;
  /** md5 of the device id, auth id, sealed password and SIP user: changes with the credentials. */
  revision: string;
  sipUser: string;
  number: string;
  callingEnabled: boolean;
};

export function sbcRepository(db: Executor) {
  const enterpriseIn = (scope: TenantScope) => withinScope(scope, accounts.id);
  return {
    /** The enterprise's trunk profile with its account status and lifecycle; undefined outside `scope`. */
    async trunk(
      scope: TenantScope,
      enterpriseId: string,
      tx: Executor = db,
    ): Promise<SbcTrunkRow | undefined> {
      const result = await tx.execute<SbcTrunkRow>(sql`
        select t.fqdn, t.pbx_host as "pbxHost", t.pbx_port as "pbxPort", t.transport::text as transport,
               t.sip_domain as "sipDomain", t.pbx_realm as "pbxRealm", t.outbound_proxy as "outboundProxy",
               t.mode::text as mode, t.allowed_ips as "allowedIps", t.status::text as status,
               t.max_concurrent_calls as "maxConcurrentCalls", t.transfer_mode::text as "transferMode",
               t.codecs,
               ${accounts.status}::text as "accountStatus", e.lifecycle::text as lifecycle
          from trunk_profiles t
          join ${accounts} on ${accounts.id} = t.enterprise_account_id
          left join enterprises e on e.account_id = t.enterprise_account_id
         where t.enterprise_account_id = ${enterpriseId} and ${enterpriseIn(scope)}
         limit 1`);
      return result.rows[0];
    },

    /** SIP devices of the enterprise's users not being deleted, oldest first; none outside `scope`. */
    async devices(scope: TenantScope, enterpriseId: string, tx: Executor = db): Promise<SbcDeviceRow[]> {
      const result = await tx.execute<SbcDeviceRow>(sql`
        select d.id, d.auth_id as "authId", d.password_sealed as "passwordSealed",
               md5(concat_ws(',', d.id, d.auth_id, d.password_sealed, u.sip_user)) as revision,
               u.sip_user as "sipUser", u.phone_number as number, u.calling_enabled as "callingEnabled"
          from sip_devices d
          join provisioned_users u on u.id = d.provisioned_user_id
          join ${accounts} on ${accounts.id} = d.enterprise_account_id
         where d.enterprise_account_id = ${enterpriseId} and u.deleting = false and ${enterpriseIn(scope)}
         order by d.created_at asc, d.id asc`);
      return result.rows;
    },

    /**
     * A cheap fingerprint of everything the SBC state is derived from (one aggregate query, no
     * decryption); outside `scope` it is the fingerprint of nothing.
     */
    async fingerprint(scope: TenantScope, enterpriseId: string, tx: Executor = db): Promise<string> {
      const result = await tx.execute<{ fp: string }>(sql`
        with enterprise as (select ${accounts.id} as id, ${accounts.status} as status from ${accounts}
                             where ${accounts.id} = ${enterpriseId} and ${enterpriseIn(scope)})
        select md5(concat_ws('|',
          (select concat_ws(',', t.fqdn, t.pbx_host, t.pbx_port, t.transport, t.sip_domain, coalesce(t.pbx_realm, ''), t.outbound_proxy, t.mode,
                            t.allowed_ips::text, t.status, t.max_concurrent_calls, t.transfer_mode,
                            t.codecs::text)
             from trunk_profiles t join enterprise on enterprise.id = t.enterprise_account_id),
          (select enterprise.status::text from enterprise),
          (select e.lifecycle::text from enterprises e join enterprise on enterprise.id = e.account_id),
          (select string_agg(concat_ws(',', d.id, d.auth_id, d.password_sealed, u.sip_user, u.phone_number,
                                       u.calling_enabled, u.deleting), ';' order by d.id)
             from sip_devices d join provisioned_users u on u.id = d.provisioned_user_id
             join enterprise on enterprise.id = d.enterprise_account_id)
        )) as fp`);
      return result.rows[0]!.fp;
    },
  };
}

/**
 * The change feed of the SBC watch: enterprises whose trunk profile, provisioned users, SIP devices or
 * account changed, or that lost one of those rows (`sbc_deletions`, fed by delete triggers: migration 0019),
 * since `since` (every enterprise with a trunk profile when null). Deliberately unscoped:
 * the platform's own background loop, which only learns ids and enqueues a sync for each (the sync reads
 * within the enterprise's scope).
 */
export async function changedEnterpriseIds(db: Executor, since: Date | null): Promise<string[]> {
  const at = since ? since.toISOString() : null;
  const changed = await db.execute<{ id: string }>(sql`
    select distinct id::text as id from (
      select enterprise_account_id as id, updated_at as at from trunk_profiles
      union all select enterprise_account_id, updated_at from provisioned_users
      union all select enterprise_account_id, updated_at from sip_devices
      union all select account_id, updated_at from enterprises
      union all select id, updated_at from accounts where kind = 'enterprise'
      union all select enterprise_account_id, deleted_at from sbc_deletions
    ) c
    where ${at}::timestamptz is null or c.at >= ${at}::timestamptz`);
  return changed.rows.map((row) => row.id);
}
