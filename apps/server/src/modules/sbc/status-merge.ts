import type {
  DestinationState,
  RegistrationState,
  SbcDestinationStatus,
  SbcEnterpriseStatus,
  SbcNodeStatus,
} from "./adapter.js";

/** Liveliest first: a merged state is the first of these that an answering node reports. */
const DESTINATION_RANK: DestinationState[] = ["reachable", "probing", "unreachable", "disabled", "unknown"];
const REGISTRATION_RANK: RegistrationState[] = ["registered", "registering", "failed", "disabled", "unknown"];

type NodeDevice = SbcNodeStatus["devices"][number];

/**
 * Sets the status's top-level live fields from the nodes' own views (any SBC of several nodes): a
 * destination or device takes the liveliest state an answering node reports (up when one node sees it up,
 * unreachable only when no answering node sees it up or probing); `live.reachable` when any node answered,
 * `live.error` naming the nodes that did not. Nodes that did not answer count for nothing, so one node
 * down is never reported as a PBX or proxy going down.
 */
export function mergeNodeViews(status: SbcEnterpriseStatus, nodes: SbcNodeStatus[]): void {
  status.nodes = nodes;
  const answered = nodes.filter((node) => node.reachable);
  const silent = nodes.filter((node) => !node.reachable);
  status.live.reachable = answered.length > 0;
  status.live.error =
    silent.length === 0
      ? null
      : nodes.length === 1
        ? silent[0]!.error
        : silent.map((node) => `${node.node}: ${node.error}`).join("; ");
  mergeDestinations(
    status.microsoftProxies,
    answered.map((node) => node.microsoftProxies),
  );
  mergeDestinations(
    status.pbx,
    answered.map((node) => node.pbx),
  );
  const views = answered.map((node) => new Map(node.devices.map((device) => [device.deviceId, device])));
  for (const device of status.devices) {
    let best: NodeDevice | undefined;
    for (const view of views) {
      const seen = view.get(device.deviceId);
      if (seen && (!best || livelier(seen, best))) best = seen;
    }
    if (best)
      Object.assign(device, {
        state: best.state,
        lastRegisteredAt: best.lastRegisteredAt,
        expiresAt: best.expiresAt,
      });
  }
}

function mergeDestinations(merged: SbcDestinationStatus[], views: SbcDestinationStatus[][]) {
  for (const destination of merged) {
    const states = views.map((view) => view.find((d) => d.uri === destination.uri)?.state ?? "unknown");
    destination.state = DESTINATION_RANK.find((state) => states.includes(state)) ?? "unknown";
  }
}

/** A better registration state, or the same one registered more recently. */
function livelier(a: NodeDevice, b: NodeDevice): boolean {
  const rank = REGISTRATION_RANK.indexOf(a.state) - REGISTRATION_RANK.indexOf(b.state);
  return rank < 0 || (rank === 0 && (a.lastRegisteredAt ?? "") > (b.lastRegisteredAt ?? ""));
}
