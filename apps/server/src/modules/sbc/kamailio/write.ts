import { createHash } from "node:crypto";
import type pg from "pg";
import type { SbcDevice, SbcEnterpriseConfig, SbcSyncResult } from "../adapter.js";
import {
  assertDevice,
  deleteTrunkRows,
  insertTrunkRows,
  nextPbxSet,
  RowBatch,
  type StateRow,
  type Table,
  writeMicrosoftProxies,
} from "./rows.js";
import { SBC_LOCK_KEY } from "./schema.js";

/** What a run wrote but the running Kamailio has not been told yet (`sip2teams_sbc_pending`). */
export interface Pending {
  tables: Table[];
  refresh: string[];
  unregister: string[];
}

export interface WriteSettings {
  /** Microsoft's SIP proxies, dispatcher set 1. */
  microsoftProxies: string[];
  /** Registration expiry asked of the PBX, seconds. */
  expires: number;
}

/** Raised when insertTrunkRows writes other rows (2: the pbxset:<set> key), so every trunk is rewritten once. */
const TRUNK_ROWS_VERSION = 2;
const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("base64url");

/**
 * Makes Kamailio's tables hold `desired` for one enterprise (null: nothing), in one transaction under the
 * SBC lock, and records what still needs activating (with what earlier runs could not activate).
 */
export async function writeEnterprise(
  pool: pg.Pool,
  settings: WriteSettings,
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
    if (await writeMicrosoftProxies(client, settings.microsoftProxies)) tables.add("dispatcher");

    const found = await client.query<StateRow>("select * from sip2teams_sbc_state where enterprise_id = $1", [
      enterpriseId,
    ]);
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
      const trunkDigest = digest({ trunk, pbxSet, expires: settings.expires, rows: TRUNK_ROWS_VERSION });
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
        batch.putDevice(device, trunk, settings.expires);
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
