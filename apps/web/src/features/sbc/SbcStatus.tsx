import { Alert, Badge, Button, Group, Stack, Table, Text, Tooltip } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { sbcKeys, sbcQueries } from "./api";

type SbcStatus = components["schemas"]["SbcStatus"];
type Device = SbcStatus["devices"][number];
type Destination = SbcStatus["pbx"][number];
type SbcNode = SbcStatus["nodes"][number];

/** The enterprise's trunk as the SBC sees it, refreshed every 10 s. */
export function useSbcStatus(enterpriseId: string) {
  return useQuery(sbcQueries.status(enterpriseId));
}

const registrationColor: Record<Device["state"], string> = {
  registered: "green",
  registering: "yellow",
  failed: "red",
  disabled: "gray",
  unknown: "gray",
};

const destinationColor: Record<Destination["state"], string> = {
  reachable: "green",
  probing: "yellow",
  unreachable: "red",
  disabled: "gray",
  unknown: "gray",
};

const destinationLabel: Record<Destination["state"], string> = {
  reachable: "Reachable (OPTIONS answered)",
  probing: "Probing",
  unreachable: "Not answering OPTIONS",
  disabled: "Disabled",
  unknown: "Unknown",
};

function when(iso: string | null) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function RegistrationBadge({ device }: { device: Device }) {
  const label = device.state === "failed" ? "Registration failed" : device.state;
  return (
    <Tooltip
      label={device.lastRegisteredAt ? `Last registered ${when(device.lastRegisteredAt)}` : device.registrar}
    >
      <Badge color={registrationColor[device.state]} variant="light">
        {label}
      </Badge>
    </Tooltip>
  );
}

function LiveNotice({ status }: { status: SbcStatus }) {
  // The demo SBC of `npm start` could not run (e.g. Kamailio is not installed): the server says why.
  if (!status.live.configured && status.live.error?.startsWith("not running"))
    return (
      <Alert color="yellow" title="SBC not running">
        {status.live.error}
      </Alert>
    );
  if (!status.live.configured)
    return (
      <Alert color="yellow" title="SBC not connected">
        Changes are written to the SBC database, but the portal cannot tell Kamailio to reload them or read
        its live state: KAMAILIO_RPC_URL is not set.
      </Alert>
    );
  if (!status.live.reachable)
    return (
      <Alert color="red" title="SBC not answering">
        {status.live.error ?? "Kamailio's JSON-RPC did not answer."}
      </Alert>
    );
  // Several nodes, some silent: the states below are those of the nodes that answered.
  if (status.live.error)
    return (
      <Alert color="yellow" title="Some SBC nodes not answering">
        {status.live.error}
      </Alert>
    );
  return null;
}

/** "2/3 up", red when none of several is up. */
function UpCount({ up, of }: { up: number; of: number }) {
  if (of === 0)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Badge color={up === of ? "green" : up === 0 ? "red" : "yellow"} variant="light">
      {up}/{of} up
    </Badge>
  );
}

/** Each SBC node's own view: a proxy or PBX can be up from one node and down from another. */
function NodeTable({ nodes }: { nodes: SbcNode[] }) {
  const up = (list: Destination[]) => list.filter((d) => d.state === "reachable").length;
  return (
    <Table aria-label="SBC nodes">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>SBC node</Table.Th>
          <Table.Th>Microsoft</Table.Th>
          <Table.Th>PBX</Table.Th>
          <Table.Th>Registered</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {nodes.map((n) => (
          <Table.Tr key={n.node}>
            <Table.Td>
              <Text size="sm" ff="monospace">
                {n.node}
              </Text>
            </Table.Td>
            {n.reachable ? (
              <>
                <Table.Td>
                  <UpCount up={up(n.microsoftProxies)} of={n.microsoftProxies.length} />
                </Table.Td>
                <Table.Td>
                  <UpCount up={up(n.pbx)} of={n.pbx.length} />
                </Table.Td>
                <Table.Td>
                  {n.devices.length > 0
                    ? `${n.devices.filter((d) => d.state === "registered").length}/${n.devices.length}`
                    : "—"}
                </Table.Td>
              </>
            ) : (
              <Table.Td colSpan={3}>
                <Tooltip label={n.error ?? "No answer"}>
                  <Badge color="red" variant="light">
                    Not answering
                  </Badge>
                </Tooltip>
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/**
 * Trunk status for an enterprise: provisioned FQDN, OPTIONS reachability of Microsoft's proxies and of
 * the PBX, and the registration of every SIP device (with several SBC nodes: up when any node sees it up,
 * and a row per node). Mount it on the enterprise's trunk view.
 */
export function SbcTrunkStatus({ enterpriseId }: { enterpriseId: string }) {
  const status = useSbcStatus(enterpriseId);
  const queryClient = useQueryClient();
  const sync = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/accounts/{accountId}/sbc/sync", { params: { path: { accountId: enterpriseId } } }),
      ),
    onSuccess: () =>
      setTimeout(() => queryClient.invalidateQueries({ queryKey: sbcKeys.status(enterpriseId) }), 2000),
  });
  if (status.isError) return <Alert color="red">{status.error.message}</Alert>;
  if (!status.data) return <Text c="dimmed">Loading SBC status…</Text>;
  const data = status.data;
  return (
    <Stack gap="sm" aria-label="SBC status">
      <Group justify="flex-end">
        <Button size="xs" variant="light" loading={sync.isPending} onClick={() => sync.mutate()}>
          Sync now
        </Button>
      </Group>
      <LiveNotice status={data} />
      {data.trunk ? (
        <Text size="sm">
          <b>{data.trunk.fqdn}</b> ({data.trunk.mode === "registration" ? "registration" : "static IP"}),
          applied {when(data.trunk.appliedAt)}
          {data.trunk.pendingActivation && " — waiting for Kamailio to reload"}
        </Text>
      ) : (
        <Text size="sm" c="dimmed">
          Not on the SBC (no active trunk profile yet).
        </Text>
      )}
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Destination</Table.Th>
            <Table.Th>SIP URI</Table.Th>
            <Table.Th>State</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[
            ...data.microsoftProxies.map((d) => ["Microsoft", d] as const),
            ...data.pbx.map((d) => ["PBX", d] as const),
          ].map(([kind, d]) => (
            <Table.Tr key={`${kind}-${d.uri}`}>
              <Table.Td>{kind}</Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {d.uri}
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge color={destinationColor[d.state]} variant="light">
                  {destinationLabel[d.state]}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {data.nodes.length > 1 && <NodeTable nodes={data.nodes} />}
      {data.devices.length > 0 && <DeviceTable devices={data.devices} />}
    </Stack>
  );
}

function DeviceTable({ devices }: { devices: Device[] }) {
  return (
    <Table>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>SIP user</Table.Th>
          <Table.Th>SIP Authentication ID</Table.Th>
          <Table.Th>Registration</Table.Th>
          <Table.Th>Last registered</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {devices.map((d) => (
          <Table.Tr key={d.deviceId}>
            <Table.Td>{d.sipUser}</Table.Td>
            <Table.Td>{d.authId}</Table.Td>
            <Table.Td>
              <RegistrationBadge device={d} />
            </Table.Td>
            <Table.Td>{when(d.lastRegisteredAt)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The registration state of some devices (e.g. one Teams user's), for a user's row or detail view. */
export function SbcDeviceStatus({ enterpriseId, deviceIds }: { enterpriseId: string; deviceIds: string[] }) {
  const status = useSbcStatus(enterpriseId);
  const devices = status.data?.devices.filter((d) => deviceIds.includes(d.deviceId)) ?? [];
  if (!status.data) return null;
  if (devices.length === 0)
    return (
      <Text size="sm" c="dimmed">
        Not registered on the SBC
      </Text>
    );
  return (
    <Group gap={4}>
      {devices.map((d) => (
        <RegistrationBadge key={d.deviceId} device={d} />
      ))}
    </Group>
  );
}
