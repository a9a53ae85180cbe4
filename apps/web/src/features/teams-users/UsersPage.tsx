import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Menu,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconDots, IconDownload, IconPlus, IconRefresh, IconSearch, IconUpload } from "@tabler/icons-react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams, useSearch } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { api, unwrap } from "../../api/client";

const PAGE_SIZE = 50;
const FILTERS = [
  { value: "all", label: "All users" },
  { value: "provisioned", label: "Added users" },
  { value: "not-provisioned", label: "Eligible, not added" },
  { value: "calling-enabled", label: "Calling enabled" },
  { value: "calling-disabled", label: "Calling disabled" },
  { value: "pending", label: "Pending" },
  { value: "failed", label: "Failed or needs cleanup" },
  { value: "ineligible", label: "Not eligible" },
  { value: "removed", label: "Removed from Microsoft 365" },
] as const;
type Filter = (typeof FILTERS)[number]["value"];

const statusColor = {
  "pending-consent": "yellow",
  queued: "blue",
  running: "blue",
  done: "green",
  failed: "red",
} as const;
const statusLabel = {
  "pending-consent": "Waiting for consent",
  queued: "Queued",
  running: "Provisioning",
  done: "Done",
  failed: "Failed",
} as const;

/** Users: every synced Teams user with eligibility and provisioning, searched, filtered and paged on the server. */
export function UsersPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const search = useSearch({ from: "/a/$accountId/users" });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text.trim(), 250);
  const [filter, setFilter] = useState<Filter>(
    (FILTERS.find((f) => f.value === search.filter)?.value ?? "all") as Filter,
  );
  const [page, setPage] = useState(1);
  const [error, setError] = useState<string | null>(null);

  const list = useQuery({
    queryKey: ["teams-users", accountId, debounced, filter, page],
    queryFn: () =>
      unwrap(
        api.GET("/api/accounts/{accountId}/teams-users", {
          params: {
            path: { accountId },
            query: { search: debounced || undefined, filter, page, pageSize: PAGE_SIZE },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => {
      const data = query.state.data;
      const busy =
        data?.sync?.status === "queued" ||
        data?.sync?.status === "running" ||
        data?.items.some((i) => i.provisioned && ["queued", "running"].includes(i.provisioned.status));
      return busy ? 1000 : false;
    },
  });

  const refreshAll = () => {
    void queryClient.invalidateQueries({ queryKey: ["teams-users", accountId] });
    void queryClient.invalidateQueries({ queryKey: ["dashboard", accountId] });
  };
  const sync = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/accounts/{accountId}/teams-users/sync", { params: { path: { accountId } } })),
    onSuccess: refreshAll,
    onError: (e: Error) => setError(e.message),
  });
  const calling = useMutation({
    mutationFn: ({ id, enable }: { id: string; enable: boolean }) =>
      unwrap(
        enable
          ? api.POST("/api/accounts/{accountId}/teams-users/{userId}/enable-calling", {
              params: { path: { accountId, userId: id } },
            })
          : api.POST("/api/accounts/{accountId}/teams-users/{userId}/disable-calling", {
              params: { path: { accountId, userId: id } },
            }),
      ),
    onSuccess: refreshAll,
    onError: (e: Error) => setError(e.message),
  });
  const retry = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.POST("/api/accounts/{accountId}/teams-users/{userId}/retry", {
          params: { path: { accountId, userId: id } },
        }),
      ),
    onSuccess: refreshAll,
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.DELETE("/api/accounts/{accountId}/teams-users/{userId}", {
          params: { path: { accountId, userId: id } },
        }),
      ),
    onSuccess: refreshAll,
  });

  // The dashboard's "Sync Teams Users" action item lands here with ?sync=1.
  const started = useRef(false);
  useEffect(() => {
    if (search.sync === "1" && !started.current) {
      started.current = true;
      sync.mutate();
      void navigate({ to: "/a/$accountId/users", params: { accountId }, search: {}, replace: true });
    }
  }, [search.sync, accountId, navigate, sync]);

  const data = list.data;
  // The first visit after the Microsoft connection brings the Teams users in.
  const firstSync = useRef(false);
  useEffect(() => {
    if (data?.connected && data.sync === null && !firstSync.current) {
      firstSync.current = true;
      sync.mutate();
    }
  }, [data?.connected, data?.sync, sync]);
  const syncing = data?.sync?.status === "queued" || data?.sync?.status === "running";

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Users</Title>
        <Group>
          <Button
            variant="default"
            leftSection={<IconRefresh size={16} />}
            loading={sync.isPending}
            disabled={syncing || data?.connected === false}
            onClick={() => sync.mutate()}
          >
            Sync Teams Users
          </Button>
          <Button
            variant="default"
            leftSection={<IconDownload size={16} />}
            component="a"
            href={`/api/accounts/${accountId}/teams-users/export.csv?filter=${filter}${debounced ? `&search=${encodeURIComponent(debounced)}` : ""}`}
          >
            Export CSV
          </Button>
          <Button
            variant="default"
            leftSection={<IconUpload size={16} />}
            component={Link}
            to={`/a/${accountId}/users/import`}
          >
            Import CSV
          </Button>
          <Button leftSection={<IconPlus size={16} />} component={Link} to={`/a/${accountId}/users/add`}>
            Add User
          </Button>
        </Group>
      </Group>
      {data?.connected === false && (
        <Alert color="yellow" title="Not connected to Microsoft Teams">
          Users can be added now; they wait as pending until a Global Administrator connects the tenant, then
          provisioning completes.
        </Alert>
      )}
      {data?.sync && (
        <Text size="sm" c="dimmed" data-testid="sync-status">
          {syncing
            ? `Syncing Teams users… ${data.sync.pages} page(s), ${data.sync.usersSeen} user(s)`
            : data.sync.status === "failed"
              ? `Last sync failed: ${data.sync.lastError ?? "unknown error"}`
              : data.sync.status === "completed"
                ? `Last sync ${new Date(data.sync.finishedAt ?? "").toLocaleString()}: ${data.sync.pages} page(s), ${data.sync.usersSeen} user(s) (${data.sync.added} new, ${data.sync.updated} updated, ${data.sync.removed} removed)`
                : null}
        </Text>
      )}
      {error && (
        <Alert color="red" withCloseButton onClose={() => setError(null)}>
          {error}
        </Alert>
      )}
      <Group>
        <TextInput
          placeholder="Search by name, email, SIP user or number"
          leftSection={<IconSearch size={16} />}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
            setPage(1);
          }}
          w={360}
          aria-label="Search users"
        />
        <Select
          data={FILTERS.map((f) => ({ value: f.value, label: f.label }))}
          value={filter}
          onChange={(v) => {
            setFilter((v ?? "all") as Filter);
            setPage(1);
          }}
          aria-label="Filter"
          allowDeselect={false}
        />
      </Group>
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Teams User</Table.Th>
            <Table.Th>SIP User</Table.Th>
            <Table.Th>Phone Number</Table.Th>
            <Table.Th>Voice Route</Table.Th>
            <Table.Th>Calling</Table.Th>
            <Table.Th>Last provisioning</Table.Th>
            <Table.Th>Action</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data?.items.map((row) => {
            const p = row.provisioned;
            // The calling state as read back from Microsoft (Enterprise Voice), while no change is on its way.
            const busy = p ? ["queued", "running", "pending-consent"].includes(p.status) : false;
            const observed = p ? (p.observedVoiceEnabled ?? p.callingEnabled) : false;
            const enabled = p ? !p.deleting && (busy ? p.callingEnabled : observed) : false;
            const callingLabel = !p
              ? ""
              : p.deleting
                ? "Removing"
                : busy
                  ? // Waiting for consent shows once, in Last provisioning.
                    p.callingEnabled
                    ? "Enabling"
                    : "Disabling"
                  : observed
                    ? "Enabled"
                    : "Disabled";
            return (
              <Table.Tr key={row.objectId} data-testid={`user-row-${row.userPrincipalName}`}>
                <Table.Td>
                  {p ? (
                    <Anchor size="sm" fw={500} component={Link} to={`/a/${accountId}/users/${p.id}`}>
                      {row.displayName || row.userPrincipalName}
                    </Anchor>
                  ) : (
                    <Text size="sm" fw={500}>
                      {row.displayName || row.userPrincipalName}
                    </Text>
                  )}
                  <Text size="xs" c="dimmed">
                    {row.userPrincipalName}
                  </Text>
                  {!row.eligible && (
                    <Badge color="gray" variant="light" size="xs">
                      {row.ineligibleReason ?? "Not eligible"}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{p?.sipUser ?? ""}</Table.Td>
                <Table.Td data-testid="phone-number">
                  {/* Disable Calling releases the number in Microsoft 365: shown only while calling is on. */}
                  {p && (callingLabel === "Enabled" || callingLabel === "Enabling") ? p.phoneNumber : ""}
                </Table.Td>
                <Table.Td>{p?.regionName ?? ""}</Table.Td>
                <Table.Td>
                  {p ? (
                    <Text
                      size="sm"
                      fw={600}
                      c={callingLabel === "Enabled" ? "green" : "dimmed"}
                      style={{ whiteSpace: "nowrap" }}
                      title="As read back from Microsoft Teams"
                    >
                      {callingLabel}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  {p && (
                    <Tooltip label={p.lastError ?? ""} disabled={!p.lastError} multiline w={320}>
                      <Badge color={p.cleanupRequired ? "orange" : statusColor[p.status]} variant="light">
                        {p.cleanupRequired ? "Removed in Microsoft 365: remove" : statusLabel[p.status]}
                      </Badge>
                    </Tooltip>
                  )}
                  {p?.lastError && (
                    <Text size="xs" c="red" lineClamp={2}>
                      {p.lastError}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {p && (
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <ActionIcon variant="subtle" aria-label={`Actions for ${row.userPrincipalName}`}>
                          <IconDots size={16} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        {enabled ? (
                          <Menu.Item onClick={() => calling.mutate({ id: p.id, enable: false })}>
                            Disable Calling
                          </Menu.Item>
                        ) : (
                          <Menu.Item
                            onClick={() => calling.mutate({ id: p.id, enable: true })}
                            disabled={p.deleting}
                          >
                            Enable Calling
                          </Menu.Item>
                        )}
                        {p.status === "failed" && (
                          <Menu.Item onClick={() => retry.mutate(p.id)}>Retry</Menu.Item>
                        )}
                        <Menu.Item color="red" onClick={() => remove.mutate(p.id)}>
                          Remove user
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {data && data.items.length === 0 && (
        <Text c="dimmed">
          {data.sync ? "No users match." : "No Teams users yet: click Sync Teams Users."}
        </Text>
      )}
      {data && data.total > PAGE_SIZE && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {data.totalIsEstimate
              ? `More than ${data.total.toLocaleString()} users match`
              : `${data.total.toLocaleString()} users`}
          </Text>
          <Pagination total={Math.ceil(data.total / PAGE_SIZE)} value={page} onChange={setPage} />
        </Group>
      )}
    </Stack>
  );
}
