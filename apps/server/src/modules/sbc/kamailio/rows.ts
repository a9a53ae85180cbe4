import { createHash } from "node:crypto";
import type pg from "pg";
import type { SbcDevice, SbcTrunk } from "../adapter.js";

/** Dispatcher set of Microsoft's proxies; each enterprise's PBX gets its own set from 100 up. */
export const MICROSOFT_SET = 1;
const FIRST_PBX_SET = 100;
/** `address` group of static-IP trunks (the cfg calls allow_source_address("2")). */
export const STATIC_IP_GROUP = 2;
/** The htable the cfg reads (`sbc`), stored in the `htable` table. */
export const HTABLE = "sbc";

/** The Kamailio tables a run writes, each reloaded over JSON-RPC when it changed. */
export type Table = "domain" | "dispatcher" | "address" | "htable";

/** What the adapter applied for one enterprise (`sip2teams_sbc_state`): digests so a run touches only changes. */
export interface StateRow {
  enterprise_id: string;
  fqdn: string;
  mode: string;
  pbx_set: number;
  trunk_digest: string;
  devices: Record<string, string>;
  numbers: Record<string, string>;
  applied_at: Date;
}

/**
 * Digest HA1 (RFC 2617/7616, MD5): what Kamailio's uac module answers challenges with instead of the
 * password (`uacreg.auth_ha1`; `uac_auth("1")` for calls). Valid only for that realm.
 */
export function digestHa1(authId: string, realm: string, password: string): string {
  return createHash("md5").update(`${authId}:${realm}:${password}`).digest("hex");
}

export function assertDevice(device: SbcDevice, trunk: SbcTrunk) {
  if (!/^\+[1-9]\d{6,14}$/.test(device.number))
    throw new Error(`device ${device.id}: number ${device.number} is not E.164`);
  for (const [field, value] of [
    ["sipUser", device.sipUser],
    ["authId", device.authId],
    ["password", device.password],
    ["fqdn", trunk.fqdn],
    ["realm", trunk.realm],
  ] as const) {
    if (value.length === 0 || value.length > 64)
      throw new Error(`device ${device.id}: ${field} must be 1 to 64 characters`);
  }
}

export async function writeMicrosoftProxies(client: pg.PoolClient, proxies: string[]): Promise<boolean> {
  const current = await client.query<{ destination: string; attrs: string; priority: number }>(
    "select destination, attrs, priority from dispatcher where setid = $1 order by priority desc, id",
    [MICROSOFT_SET],
  );
  const wanted = proxies.map((destination, i) => ({
    destination,
    attrs: "sockname=ms",
    priority: proxies.length - i,
  }));
  if (JSON.stringify(current.rows) === JSON.stringify(wanted)) return false;
  await client.query("delete from dispatcher where setid = $1", [MICROSOFT_SET]);
  for (const row of wanted) {
    await client.query(
      "insert into dispatcher (setid, destination, flags, priority, attrs, description) values ($1, $2, 0, $3, $4, 'microsoft')",
      [MICROSOFT_SET, row.destination, row.priority, row.attrs],
    );
  }
  return true;
}

export async function nextPbxSet(client: pg.PoolClient): Promise<number> {
  const found = await client.query<{ next: number }>(
    "select greatest(coalesce(max(pbx_set), 0) + 1, $1::int) as next from sip2teams_sbc_state",
    [FIRST_PBX_SET],
  );
  return found.rows[0]!.next;
}

export function pbxDestination(trunk: SbcTrunk): string {
  const host =
    trunk.pbxHost.includes(":") && !trunk.pbxHost.startsWith("[") ? `[${trunk.pbxHost}]` : trunk.pbxHost;
  return `sip:${host}:${trunk.pbxPort};transport=${trunk.transport.toLowerCase()}`;
}

export async function insertTrunkRows(client: pg.PoolClient, trunk: SbcTrunk, pbxSet: number) {
  const id = trunk.enterpriseId;
  const fqdn = trunk.fqdn.toLowerCase();
  await client.query("insert into domain (domain, did, last_modified) values ($1, $2, now())", [fqdn, id]);
  await client.query(
    "insert into dispatcher (setid, destination, flags, priority, attrs, description) values ($1, $2, 0, 0, $3, $4)",
    [
      pbxSet,
      pbxDestination(trunk),
      `sockname=pbx${trunk.outboundProxy ? `;obproxy=${trunk.outboundProxy}` : ""}`,
      `pbx:${id}`,
    ],
  );
  if (trunk.mode === "static-ip") {
    for (const entry of trunk.allowedIps) {
      const [ip, prefix] = entry.split("/");
      const mask = prefix ? Number(prefix) : ip!.includes(":") ? 128 : 32;
      await client.query("insert into address (grp, ip_addr, mask, port, tag) values ($1, $2, $3, 0, $4)", [
        STATIC_IP_GROUP,
        ip,
        mask,
        id,
      ]);
    }
  }
  await setKeys(client, [
    [`ent:${id}:fqdn`, fqdn],
    [`ent:${id}:pbxset`, String(pbxSet)],
    [`ent:${id}:domain`, trunk.sipDomain],
    [`ent:${id}:mode`, trunk.mode],
    [`ent:${id}:maxcalls`, String(trunk.maxConcurrentCalls)],
    [`ent:${id}:refer`, trunk.transferMode],
    ...(trunk.codecs.length > 0 ? [[`ent:${id}:codecs`, trunk.codecs.join(",")] as [string, string]] : []),
    [`fqdn:${fqdn}`, id],
    // A transfer INVITE from a registration trunk's PBX is known by its dispatcher set (route[TRANSFER_TO_MS]).
    [`pbxset:${pbxSet}`, id],
  ]);
}

export async function deleteTrunkRows(client: pg.PoolClient, enterpriseId: string, state: StateRow) {
  await client.query("delete from domain where did = $1", [enterpriseId]);
  await client.query("delete from dispatcher where setid = $1", [state.pbx_set]);
  await client.query("delete from address where tag = $1", [enterpriseId]);
  await client.query("delete from htable where key_name like $1 or key_name = any($2::text[])", [
    `ent:${enterpriseId}:%`,
    [`fqdn:${state.fqdn}`, `pbxset:${state.pbx_set}`],
  ]);
}

/**
 * Device and number rows of one run, written with a few set-based statements at the end (a first
 * sync of a 10,000-user enterprise is a handful of statements, not tens of thousands).
 */
export class RowBatch {
  private readonly uacDelete = new Set<string>();
  private readonly uacInsert = new Map<string, unknown[]>();
  private readonly keysDelete = new Set<string>();
  private readonly numbersDelete = new Set<string>();
  private readonly keysSet = new Map<string, string>();

  /**
   * New or changed device: its uacreg row (registration trunks) and its enterprise key. The row holds
   * the digest HA1 for the PBX's realm, never the password (`auth_password` stays empty).
   */
  putDevice(device: SbcDevice, trunk: SbcTrunk, expires: number) {
    this.uacDelete.add(device.id);
    if (trunk.mode === "registration") {
      this.uacInsert.set(device.id, [
        device.id,
        device.sipUser,
        trunk.fqdn.toLowerCase(),
        trunk.sipDomain,
        trunk.realm,
        device.authId,
        digestHa1(device.authId, trunk.realm, device.password),
        pbxDestination(trunk),
        expires,
      ]);
    }
    this.set(`dev:${device.id}:ent`, device.enterpriseId);
  }

  removeDevice(id: string) {
    this.uacDelete.add(id);
    this.uacInsert.delete(id);
    this.keysDelete.add(`dev:${id}:ent`);
    this.keysDelete.add(`dev:${id}:number`);
  }

  /** A calling-enabled number: number → enterprise, first device, SIP user; each device → number. */
  putNumber(enterpriseId: string, number: string, devices: SbcDevice[]) {
    this.removeNumber(number);
    const first = devices[0]!;
    this.set(`num:${number}:ent`, enterpriseId);
    this.set(`num:${number}:dev`, first.id);
    this.set(`num:${number}:sipuser`, first.sipUser);
    for (const device of devices) this.set(`dev:${device.id}:number`, number);
  }

  removeNumber(number: string) {
    for (const suffix of ["ent", "dev", "sipuser"]) this.keysDelete.add(`num:${number}:${suffix}`);
    this.numbersDelete.add(number);
  }

  private set(key: string, value: string) {
    if (key.length > 64) throw new Error(`htable key too long for Kamailio's schema (64): ${key}`);
    this.keysSet.set(key, value);
  }

  async flush(client: pg.PoolClient) {
    if (this.uacDelete.size > 0) {
      await client.query("delete from uacreg where l_uuid = any($1::text[])", [[...this.uacDelete]]);
    }
    if (this.uacInsert.size > 0) {
      const rows = [...this.uacInsert.values()];
      const column = (i: number) => rows.map((row) => row[i]);
      await client.query(
        `insert into uacreg (l_uuid, l_username, l_domain, r_username, r_domain, realm, auth_username,
           auth_password, auth_ha1, auth_proxy, expires, flags, reg_delay, contact_addr, socket)
         select u, usr, dom, usr, rdom, rlm, au, '', ha1, px, ex, 0, 0, '', ''
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::int[])
           as t(u, usr, dom, rdom, rlm, au, ha1, px, ex)`,
        [0, 1, 2, 3, 4, 5, 6, 7, 8].map(column),
      );
    }
    if (this.numbersDelete.size > 0) {
      await client.query(
        "delete from htable where key_name like 'dev:%:number' and key_value = any($1::text[])",
        [[...this.numbersDelete]],
      );
    }
    const keys = [...new Set([...this.keysDelete, ...this.keysSet.keys()])];
    if (keys.length > 0) await client.query("delete from htable where key_name = any($1::text[])", [keys]);
    if (this.keysSet.size > 0) {
      await client.query(
        `insert into htable (key_name, key_type, value_type, key_value, expires)
         select k, 0, 0, v, 0 from unnest($1::text[], $2::text[]) as t(k, v)`,
        [[...this.keysSet.keys()], [...this.keysSet.values()]],
      );
    }
  }
}

async function setKeys(client: pg.PoolClient, pairs: [string, string][]) {
  await client.query("delete from htable where key_name = any($1::text[])", [pairs.map(([key]) => key)]);
  await client.query(
    `insert into htable (key_name, key_type, value_type, key_value, expires)
     select k, 0, 0, v, 0 from unnest($1::text[], $2::text[]) as t(k, v)`,
    [pairs.map(([key]) => key), pairs.map(([, value]) => value)],
  );
}
