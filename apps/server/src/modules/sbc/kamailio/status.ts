import type pg from "pg";
import type {
  DestinationState,
  RegistrationState,
  SbcDestinationStatus,
  SbcDeviceStatus,
  SbcEnterpriseStatus,
  SbcTrunk,
} from "../adapter.js";
import { MICROSOFT_SET, type StateRow } from "./rows.js";
import { isNotFound, type KamailioRpc } from "./rpc.js";

/** Above this many devices, status reads one uac.reg_dump instead of a uac.reg_info per device. */
const REG_INFO_LIMIT = 20;

/** uac module registration flags (uac_reg.c). */
const UAC_REG_DISABLED = 1;
export const UAC_REG_ONGOING = 2;
export const UAC_REG_ONLINE = 4;
const UAC_REG_INIT = 16;

/** What the SBC holds for an enterprise (its tables), with live state over JSON-RPC when configured. */
export async function readStatus(
  pool: pg.Pool,
  rpc: KamailioRpc | null,
  enterpriseId: string,
): Promise<SbcEnterpriseStatus> {
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
          info ? registrationFromInfo(info) : { state: "unknown", lastRegisteredAt: null, expiresAt: null },
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
