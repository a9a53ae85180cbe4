import { createHash } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import type {
  DestinationState,
  RegistrationState,
  SbcAdapter,
  SbcDestinationStatus,
  SbcDevice,
  SbcDeviceStatus,
  SbcEnterpriseConfig,
  SbcEnterpriseStatus,
  SbcSyncResult,
  SbcTrunk,
} from "../adapter.js";
import type { KamailioRole } from "./role.js";
import { isNotFound, type KamailioRpc, kamailioRpc } from "./rpc.js";
import { installKamailioSchema, SBC_LOCK_KEY } from "./schema.js";

export interface KamailioAdapterOptions {
  /** The SBC database (Kamailio's `DBURL`). */
  databaseUrl: string;
  /** Kamailio JSON-RPC over HTTP; unset: tables are written but Kamailio is not told to reload. */
  rpcUrl?: string | undefined;
  /** Where Kamailio's `*-create.sql` files are (Debian: /usr/share/kamailio/postgres). */
  schemaDir: string;
  /** Kamailio's own database role, created and granted read access to Kamailio's tables only. */
  kamailioRole?: KamailioRole | undefined;
  /** Microsoft's SIP proxies, dispatcher set 1 (OPTIONS keep-alives, PBX → Teams calls). */
  microsoftProxies: string[];
  log: Logger;
  /** Registration expiry asked of the PBX, seconds. */
  registrationExpires?: number;
}

/** Dispatcher set of Microsoft's proxies; each enterprise's PBX gets its own set from 100 up. */
export const MICROSOFT_SET = 1;
const FIRST_PBX_SET = 100;
/** `address` group of static-IP trunks (the cfg calls allow_source_address("2")). */
export const STATIC_IP_GROUP = 2;
/** The htable the cfg reads (`sbc`), stored in the `htable` table. */
export const HTABLE = "sbc";

type Table = "domain" | "dispatcher" | "address" | "htable";

interface StateRow {
  enterprise_id: string;
  fqdn: string;
  mode: string;
  pbx_set: number;
  trunk_digest: string;
  devices: Record<string, string>;
  numbers: Record<string, string>;
  applied_at: Date;
}

interface Pending {
  tables: Table[];
  refresh: string[];
  unregister: string[];
}

/** Above this many devices, status reads one uac.reg_dump instead of a uac.reg_info per device. */
const REG_INFO_LIMIT = 20;
/** JSON-RPC calls in flight at once when (un)registering many devices. */
const RPC_CONCURRENCY = 8;

/** uac module registration flags (uac_reg.c). */
const UAC_REG_DISABLED = 1;
const UAC_REG_ONGOING = 2;
const UAC_REG_ONLINE = 4;
const UAC_REG_INIT = 16;

const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("base64url");

/**
 * The Kamailio 5.6 adapter: writes `uacreg`, `domain`, `dispatcher`, `address` and `htable` in the
 * SBC database (sbc/kamailio/kamailio.cfg reads them), then reloads them over JSON-RPC.
 * Row layout, htable keys and the RPC calls are documented in ../README.md.
 */
export function kamailioAdapter(options: KamailioAdapterOptions): SbcAdapter & {
  pool: pg.Pool;
  ready(): Promise<void>;
} {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 4,
    idleTimeoutMillis: 5_000,
    allowExitOnIdle: true,
  });
  pool.on("error", () => {});
  const rpc: KamailioRpc | null = options.rpcUrl ? kamailioRpc(options.rpcUrl) : null;
  const expires = options.registrationExpires ?? 600;
  const log = options.log.child({ component: "sbc-kamailio" });

  let readyPromise: Promise<void> | null = null;
  const ready = () => {
    readyPromise ??= installKamailioSchema(pool, options.schemaDir, options.kamailioRole).then(
      (installed) => {
        if (installed.length > 0) log.info({ installed }, "Kamailio schema installed in the SBC database");
      },
      (error) => {
        readyPromise = null;
        throw error;
      },
    );
    return readyPromise;
  };

  async function write(
    enterpriseId: string,
    desired: SbcEnterpriseConfig | null,
  ): Promise<{ result: Omit<SbcSyncResult, "activated" | "note">; pending: Pending }> {
    const client = await pool.connect();
    const result: Omit<SbcSyncResult, "activated" | "note"> = {
      adapter: "kamailio",
      trunk: "unchanged",
      devices: { added: [], changed: [], removed: [] },
      numbers: { added: [], removed: [] },
    };
    const tables = new Set<Table>();
    const refresh = new Set<string>();
    const unregister = new Set<string>();
    const batch = new RowBatch();
    try {
      await client.query("begin");
      await client.query("select pg_advisory_xact_lock($1)", [SBC_LOCK_KEY]);
      if (await writeMicrosoftProxies(client, options.microsoftProxies)) tables.add("dispatcher");

      const found = await client.query<StateRow>(
        "select * from sip2teams_sbc_state where enterprise_id = $1",
        [enterpriseId],
      );
      const state = found.rows[0] ?? null;

      if (!desired) {
        if (state) {
          await deleteTrunkRows(client, enterpriseId, state);
          for (const id of Object.keys(state.devices)) {
            batch.removeDevice(id);
            unregister.add(id);
            result.devices.removed.push(id);
          }
          for (const number of Object.keys(state.numbers)) {
            batch.removeNumber(number);
            result.numbers.removed.push(number);
          }
          await client.query("delete from sip2teams_sbc_state where enterprise_id = $1", [enterpriseId]);
          for (const t of ["domain", "dispatcher", "address", "htable"] as const) tables.add(t);
          result.trunk = "removed";
        }
      } else {
        const { trunk } = desired;
        const pbxSet = state?.pbx_set ?? (await nextPbxSet(client));
        const trunkDigest = digest({ trunk, pbxSet, expires });
        if (!state || state.trunk_digest !== trunkDigest) {
          if (state) await deleteTrunkRows(client, enterpriseId, state);
          await insertTrunkRows(client, trunk, pbxSet);
          for (const t of ["domain", "dispatcher", "address", "htable"] as const) tables.add(t);
          result.trunk = state ? "changed" : "added";
        }

        // Devices: one uacreg row each (registration trunks) and their enterprise in the htable.
        const previousDevices = state?.devices ?? {};
        const devices: Record<string, string> = {};
        for (const device of desired.devices) {
          // The revision stands for the password, so unchanged devices are never decrypted.
          const d = `${device.revision}:${trunkDigest}`;
          devices[device.id] = d;
          if (previousDevices[device.id] === d) continue;
          assertDevice(device, trunk);
          batch.putDevice(device, trunk, expires);
          tables.add("htable");
          if (trunk.mode === "registration") refresh.add(device.id);
          (previousDevices[device.id] ? result.devices.changed : result.devices.added).push(device.id);
        }
        for (const id of Object.keys(previousDevices)) {
          if (devices[id]) continue;
          batch.removeDevice(id);
          unregister.add(id);
          tables.add("htable");
          result.devices.removed.push(id);
        }

        // Number routes: only for calling-enabled devices; several devices may share a user's number.
        const byNumber = new Map<string, SbcDevice[]>();
        for (const device of desired.devices) {
          if (!device.callingEnabled) continue;
          byNumber.set(device.number, [...(byNumber.get(device.number) ?? []), device]);
        }
        const previousNumbers = state?.numbers ?? {};
        const numbers: Record<string, string> = {};
        for (const [number, list] of byNumber) {
          const d = `${enterpriseId}|${list[0]!.sipUser}|${list.map((x) => x.id).join(",")}`;
          numbers[number] = d;
          if (previousNumbers[number] === d) continue;
          batch.putNumber(enterpriseId, number, list);
          tables.add("htable");
          if (!previousNumbers[number]) result.numbers.added.push(number);
        }
        for (const number of Object.keys(previousNumbers)) {
          if (numbers[number]) continue;
          batch.removeNumber(number);
          tables.add("htable");
          result.numbers.removed.push(number);
        }

        const same = (a: Record<string, string>, b: Record<string, string>) =>
          Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => a[k] === b[k]);
        if (
          !state ||
          state.trunk_digest !== trunkDigest ||
          !same(devices, previousDevices) ||
          !same(numbers, previousNumbers)
        )
          await client.query(
            `insert into sip2teams_sbc_state (enterprise_id, fqdn, mode, pbx_set, trunk_digest, devices, numbers, applied_at)
           values ($1, $2, $3, $4, $5, $6, $7, now())
           on conflict (enterprise_id) do update set fqdn = excluded.fqdn, mode = excluded.mode,
             trunk_digest = excluded.trunk_digest, devices = excluded.devices, numbers = excluded.numbers,
             applied_at = now()`,
            [enterpriseId, trunk.fqdn.toLowerCase(), trunk.mode, pbxSet, trunkDigest, devices, numbers],
          );
      }

      await batch.flush(client);

      // What a previous run wrote but could not activate is activated with this run's changes.
      const previous = await client.query<Pending>(
        "select tables, refresh, unregister from sip2teams_sbc_pending where enterprise_id = $1",
        [enterpriseId],
      );
      const before = previous.rows[0];
      for (const t of before?.tables ?? []) tables.add(t);
      for (const id of before?.unregister ?? []) unregister.add(id);
      for (const id of before?.refresh ?? []) if (!unregister.has(id)) refresh.add(id);
      for (const id of refresh) unregister.delete(id);
      const pending: Pending = { tables: [...tables], refresh: [...refresh], unregister: [...unregister] };
      if (pending.tables.length + pending.refresh.length + pending.unregister.length > 0) {
        await client.query(
          `insert into sip2teams_sbc_pending (enterprise_id, tables, refresh, unregister, updated_at)
           values ($1, $2, $3, $4, now())
           on conflict (enterprise_id) do update set tables = excluded.tables, refresh = excluded.refresh,
             unregister = excluded.unregister, updated_at = now()`,
          [enterpriseId, pending.tables, pending.refresh, pending.unregister],
        );
      }
      await client.query("commit");
      return { result, pending };
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Tells the running Kamailio to use what was written: table reloads, then registrations. */
  async function activate(enterpriseId: string, pending: Pending): Promise<void> {
    if (!rpc) return;
    const reloads: Record<Table, [string, unknown[]]> = {
      domain: ["domain.reload", []],
      dispatcher: ["dispatcher.reload", []],
      address: ["permissions.addressReload", []],
      htable: ["htable.reload", [HTABLE]],
    };
    for (const table of pending.tables) {
      const [method, params] = reloads[table];
      await withReloadRetry(() => rpc(method, params));
    }
    // A removed device is unregistered (REGISTER with Expires: 0) before leaving Kamailio's memory.
    await eachLimited(pending.unregister, RPC_CONCURRENCY, async (id) => {
      try {
        await rpc("uac.reg_unregister", ["l_uuid", id]);
        await waitUntilOffline(rpc, id, 3_000);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      try {
        await rpc("uac.reg_remove", [id]);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
    // New or changed devices (e.g. a regenerated password) are re-read and re-registered.
    // uac.reg_refresh per record, not uac.reg_reload (rate-limited, reloads everything).
    await eachLimited(pending.refresh, RPC_CONCURRENCY, async (id) => {
      try {
        await rpc("uac.reg_refresh", [id]);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
    await pool.query(
      `delete from sip2teams_sbc_pending where enterprise_id = $1
         and tables = $2 and refresh = $3 and unregister = $4`,
      [enterpriseId, pending.tables, pending.refresh, pending.unregister],
    );
  }

  return {
    kind: "kamailio",
    pool,
    ready,

    async sync(enterpriseId, desired) {
      await ready();
      const { result, pending } = await write(enterpriseId, desired);
      const hasWork = pending.tables.length + pending.refresh.length + pending.unregister.length > 0;
      if (!rpc) {
        return {
          ...result,
          activated: !hasWork,
          ...(hasWork
            ? { note: "KAMAILIO_RPC_URL is not set: written to the SBC database, not reloaded" }
            : {}),
        };
      }
      if (hasWork) await activate(enterpriseId, pending);
      return { ...result, activated: true };
    },

    async status(enterpriseId) {
      await ready();
      const found = await pool.query<StateRow>("select * from sip2teams_sbc_state where enterprise_id = $1", [
        enterpriseId,
      ]);
      const state = found.rows[0] ?? null;
      const pendingRow = await pool.query("select 1 from sip2teams_sbc_pending where enterprise_id = $1", [
        enterpriseId,
      ]);
      const deviceIds = state ? Object.keys(state.devices) : [];
      const regRows = deviceIds.length
        ? (
            await pool.query<{
              l_uuid: string;
              l_username: string;
              auth_username: string;
              auth_proxy: string;
            }>(
              "select l_uuid, l_username, auth_username, auth_proxy from uacreg where l_uuid = any($1) order by l_username, l_uuid",
              [deviceIds],
            )
          ).rows
        : [];
      const pbxRows = state
        ? (
            await pool.query<{ destination: string }>(
              "select destination from dispatcher where setid = $1 order by priority desc, id",
              [state.pbx_set],
            )
          ).rows
        : [];
      const msRows = (
        await pool.query<{ destination: string }>(
          "select destination from dispatcher where setid = $1 order by priority desc, id",
          [MICROSOFT_SET],
        )
      ).rows;

      const status: SbcEnterpriseStatus = {
        adapter: "kamailio",
        live: { configured: Boolean(rpc), reachable: false, error: null },
        trunk: state
          ? {
              fqdn: state.fqdn,
              mode: state.mode as SbcTrunk["mode"],
              appliedAt: new Date(state.applied_at).toISOString(),
              pendingActivation: (pendingRow.rowCount ?? 0) > 0,
            }
          : null,
        microsoftProxies: msRows.map((r) => ({ uri: r.destination, state: "unknown" as DestinationState })),
        pbx: pbxRows.map((r) => ({ uri: r.destination, state: "unknown" as DestinationState })),
        devices: regRows.map((r) => ({
          deviceId: r.l_uuid,
          sipUser: r.l_username,
          authId: r.auth_username,
          registrar: r.auth_proxy,
          state: "unknown" as RegistrationState,
          lastRegisteredAt: null,
          expiresAt: null,
        })),
      };
      if (!rpc) {
        status.live.error = "KAMAILIO_RPC_URL is not set";
        return status;
      }
      try {
        const sets = await dispatcherStates(rpc);
        const stateOf = (list: SbcDestinationStatus[]) => {
          for (const destination of list) destination.state = sets.get(destination.uri) ?? "unknown";
        };
        stateOf(status.microsoftProxies);
        stateOf(status.pbx);
        if (status.devices.length > REG_INFO_LIMIT) {
          // Many devices: one uac.reg_dump instead of a uac.reg_info each.
          const dump = await rpc<RegInfo[]>("uac.reg_dump");
          const byId = new Map(dump.map((info) => [info.l_uuid, info]));
          for (const device of status.devices) {
            const info = byId.get(device.deviceId);
            Object.assign(
              device,
              info
                ? registrationFromInfo(info)
                : { state: "unknown", lastRegisteredAt: null, expiresAt: null },
            );
          }
        } else {
          for (const device of status.devices)
            Object.assign(device, await registrationState(rpc, device.deviceId));
        }
        status.live.reachable = true;
      } catch (error) {
        status.live.error = error instanceof Error ? error.message : String(error);
      }
      return status;
    },

    async enterpriseIds() {
      await ready();
      const rows = await pool.query<{ enterprise_id: string }>(
        "select enterprise_id from sip2teams_sbc_state",
      );
      return rows.rows.map((row) => row.enterprise_id);
    },

    async close() {
      await pool.end();
    },
  };
}

/**
 * Digest HA1 (RFC 2617/7616, MD5): what Kamailio's uac module answers challenges with instead of the
 * password (`uacreg.auth_ha1`; `uac_auth("1")` for calls). Valid only for that realm.
 */
export function digestHa1(authId: string, realm: string, password: string): string {
  return createHash("md5").update(`${authId}:${realm}:${password}`).digest("hex");
}

function assertDevice(device: SbcDevice, trunk: SbcTrunk) {
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

async function writeMicrosoftProxies(client: pg.PoolClient, proxies: string[]): Promise<boolean> {
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

async function nextPbxSet(client: pg.PoolClient): Promise<number> {
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

async function insertTrunkRows(client: pg.PoolClient, trunk: SbcTrunk, pbxSet: number) {
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
    [`fqdn:${fqdn}`, id],
  ]);
}

async function deleteTrunkRows(client: pg.PoolClient, enterpriseId: string, state: StateRow) {
  await client.query("delete from domain where did = $1", [enterpriseId]);
  await client.query("delete from dispatcher where setid = $1", [state.pbx_set]);
  await client.query("delete from address where tag = $1", [enterpriseId]);
  await client.query("delete from htable where key_name like $1 or key_name = $2", [
    `ent:${enterpriseId}:%`,
    `fqdn:${state.fqdn}`,
  ]);
}

/**
 * Device and number rows of one run, written with a few set-based statements at the end (a first
 * sync of a 10,000-user enterprise is a handful of statements, not tens of thousands).
 */
class RowBatch {
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

/** Runs `task` for every item, at most `limit` at once. */
async function eachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** dispatcher and permissions refuse a reload within `reload_delta` of the previous one ("Ongoing reload"). */
async function withReloadRetry<T>(call: () => Promise<T>, attempts = 12): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (
        attempt >= attempts ||
        !(error instanceof Error) ||
        !/ongoing reload|reload.*too soon/i.test(error.message)
      )
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function waitUntilOffline(rpc: KamailioRpc, id: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = await rpc<{ flags: number }>("uac.reg_info", ["l_uuid", id]);
    if ((info.flags & UAC_REG_ONLINE) === 0 && (info.flags & UAC_REG_ONGOING) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface DispatcherList {
  RECORDS?: { SET: { ID: number; TARGETS: { DEST: { URI: string; FLAGS: string } }[] } }[];
}

/** Dispatcher FLAGS: first letter A(ctive) I(nactive) D(isabled) T(rying); P = probing (OPTIONS sent). */
async function dispatcherStates(rpc: KamailioRpc): Promise<Map<string, DestinationState>> {
  const states = new Map<string, DestinationState>();
  let list: DispatcherList;
  try {
    list = await rpc<DispatcherList>("dispatcher.list");
  } catch (error) {
    if (error instanceof Error && /No Destination Sets/i.test(error.message)) return states;
    throw error;
  }
  for (const record of list.RECORDS ?? []) {
    for (const target of record.SET.TARGETS ?? []) {
      const flags = target.DEST.FLAGS;
      const state: DestinationState = flags.startsWith("A")
        ? "reachable"
        : flags.startsWith("I")
          ? "unreachable"
          : flags.startsWith("D")
            ? "disabled"
            : flags.startsWith("T")
              ? "probing"
              : "unknown";
      states.set(target.DEST.URI, state);
    }
  }
  return states;
}

interface RegInfo {
  l_uuid: string;
  flags: number;
  expires: number;
  timer_expires: number;
}

function registrationFromInfo(
  info: RegInfo,
): Pick<SbcDeviceStatus, "state" | "lastRegisteredAt" | "expiresAt"> {
  const online = (info.flags & UAC_REG_ONLINE) !== 0;
  const state: RegistrationState =
    info.flags & UAC_REG_DISABLED
      ? "disabled"
      : online
        ? "registered"
        : info.flags & UAC_REG_ONGOING || !(info.flags & UAC_REG_INIT)
          ? "registering"
          : "failed";
  return {
    state,
    lastRegisteredAt: online ? new Date((info.timer_expires - info.expires) * 1000).toISOString() : null,
    expiresAt: online ? new Date(info.timer_expires * 1000).toISOString() : null,
  };
}

async function registrationState(
  rpc: KamailioRpc,
  id: string,
): Promise<Pick<SbcDeviceStatus, "state" | "lastRegisteredAt" | "expiresAt">> {
  try {
    return registrationFromInfo(await rpc<RegInfo>("uac.reg_info", ["l_uuid", id]));
  } catch (error) {
    if (isNotFound(error)) return { state: "unknown", lastRegisteredAt: null, expiresAt: null };
    throw error;
  }
}
