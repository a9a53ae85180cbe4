import type pg from "pg";
import type {
  DestinationState,
  RegistrationState,
  SbcDestinationStatus,
  SbcDeviceStatus,
  SbcEnterpriseStatus,
  SbcNodeStatus,
  SbcTrunk,
} from "../adapter.js";
import { mergeNodeViews } from "../status-merge.js";
import { MICROSOFT_SET, type StateRow } from "./rows.js";
import { isNotFound, type KamailioRpc, kamailioRpc } from "./rpc.js";

/** Above this many devices, status reads one uac.reg_dump instead of a uac.reg_info per device. */
const REG_INFO_LIMIT = 20;

/** uac module registration flags (uac_reg.c). */
const UAC_REG_DISABLED = 1;
export const UAC_REG_ONGOING = 2;
export const UAC_REG_ONLINE = 4;
const UAC_REG_INIT = 16;

/** One SBC node as the status reads it. */
export interface StatusNode {
  /** Its JSON-RPC URL's host:port. */
  name: string;
  rpc: KamailioRpc;
  /**
   * After running out of time the node is not asked again before this (ms since epoch): a node that drops
   * packets delays one status read, not every enterprise's read of every watch tick.
   */
  quietUntil: number;
  quietReason: string | null;
}

/** How long one node's live state may take; a node that takes longer is marked unreachable. */
export const NODE_DEADLINE_MS = 2_000;
/** How long a node that ran out of time is left alone. */
const NODE_QUIET_MS = 30_000;

export function statusNode(url: string): StatusNode {
  return {
    name: new URL(url).host,
    rpc: kamailioRpc(url, NODE_DEADLINE_MS),
    quietUntil: 0,
    quietReason: null,
  };
}

/** What a node is asked about: the destinations and devices the tables hold. */
type NodeLists = Pick<SbcNodeStatus, "microsoftProxies" | "pbx" | "devices">;

/**
 * What the SBC holds for an enterprise (its tables), with the live state of every node over JSON-RPC when
 * configured: the nodes are read in parallel, each within `NODE_DEADLINE_MS`, and merged (`status-merge.ts`).
 */
export async function readStatus(
  pool: pg.Pool,
  nodes: StatusNode[],
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
    live: { configured: nodes.length > 0, reachable: false, error: null },
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
    nodes: [],
  };
  if (nodes.length === 0) {
    status.live.error = "KAMAILIO_RPC_URL is not set";
    return status;
  }
  mergeNodeViews(status, await Promise.all(nodes.map((node) => readNode(node, status))));
  return status;
}

/** One node's view; a node that fails, or answers nothing within the deadline, is unreachable with why. */
async function readNode(node: StatusNode, held: NodeLists): Promise<SbcNodeStatus> {
  const view: SbcNodeStatus = {
    node: node.name,
    reachable: false,
    error: null,
    microsoftProxies: held.microsoftProxies.map(({ uri }) => ({ uri, state: "unknown" })),
    pbx: held.pbx.map(({ uri }) => ({ uri, state: "unknown" })),
    devices: held.devices.map(({ deviceId }) => ({
      deviceId,
      state: "unknown",
      lastRegisteredAt: null,
      expiresAt: null,
    })),
  };
  const now = Date.now();
  if (now < node.quietUntil) {
    view.error = `${node.quietReason} (asked again in ${Math.ceil((node.quietUntil - now) / 1000)} s)`;
    return view;
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NodeTimeout()), NODE_DEADLINE_MS);
  });
  try {
    return { ...view, ...(await Promise.race([liveView(node.rpc, view), deadline])), reachable: true };
  } catch (error) {
    if (error instanceof NodeTimeout || (error instanceof Error && error.name === "TimeoutError")) {
      node.quietUntil = Date.now() + NODE_QUIET_MS;
      node.quietReason = `no answer within ${NODE_DEADLINE_MS} ms`;
      return { ...view, error: node.quietReason };
    }
    return { ...view, error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

class NodeTimeout extends Error {}

/** A failed fetch says "fetch failed"; its cause says why (e.g. connect ECONNREFUSED 127.0.0.1:5090). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** The node's states, in new lists: a read still running after its deadline changes nothing returned. */
async function liveView(rpc: KamailioRpc, held: NodeLists): Promise<NodeLists> {
  const sets = await dispatcherStates(rpc);
  const statesOf = (list: SbcDestinationStatus[]) =>
    list.map(({ uri }) => ({ uri, state: sets.get(uri) ?? ("unknown" as const) }));
  let devices: SbcNodeStatus["devices"];
  if (held.devices.length > REG_INFO_LIMIT) {
    // Many devices: one uac.reg_dump instead of a uac.reg_info each.
    const dump = await rpc<RegInfo[]>("uac.reg_dump");
    const byId = new Map(dump.map((info) => [info.l_uuid, info]));
    devices = held.devices.map(({ deviceId }) => {
      const info = byId.get(deviceId);
      return {
        deviceId,
        ...(info
          ? registrationFromInfo(info)
          : { state: "unknown", lastRegisteredAt: null, expiresAt: null }),
      };
    });
  } else {
    devices = await Promise.all(
      held.devices.map(async ({ deviceId }) => ({ deviceId, ...(await registrationState(rpc, deviceId)) })),
    );
  }
  return { microsoftProxies: statesOf(held.microsoftProxies), pbx: statesOf(held.pbx), devices };
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
