import { Alert, Group, Pagination, Select, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { invalidateTeamsUsers, PAGE_SIZE, runUserAction, teamsUsersQueries, type UserAction } from "./api";
import { FILTERS, type Filter, filterFrom } from "./filters";
import { isSyncing, SyncStatusText } from "./SyncStatusText";
import { UsersHeader } from "./UsersHeader";
import { UsersTable } from "./UsersTable";
import { useTeamsUsersSync } from "./use-teams-users-sync";

/** Users: every synced Teams user with eligibility and provisioning, searched, filtered and paged on the server. */
export function UsersPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const search = useSearch({ from: "/a/$accountId/users" });
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text.trim(), 250);
  const [filter, setFilter] = useState<Filter>(filterFrom(search.filter));
  const [page, setPage] = useState(1);
  const [error, setError] = useState<string | null>(null);

  const list = useQuery(teamsUsersQueries.list(accountId, debounced, filter, page));
  const data = list.data;
  const sync = useTeamsUsersSync(accountId, {
    requested: search.sync === "1",
    neverSynced: Boolean(data?.connected && data.sync === null),
    onError: setError,
  });
  const action = useMutation({
    mutationFn: ({ userId, kind }: { userId: string; kind: UserAction }) =>
      runUserAction(accountId, userId, kind),
    onSuccess: () => invalidateTeamsUsers(queryClient, accountId),
    onError: (e: Error, { kind }) => {
      // Retry and Remove failures show on the row's next refresh (its last error), as before.
      if (kind === "enable" || kind === "disable") setError(e.message);
    },
  });
  const syncing = isSyncing(data?.sync);
  const exportQuery = `filter=${filter}${debounced ? `&search=${encodeURIComponent(debounced)}` : ""}`;

  return (
    <Stack>
      <UsersHeader
        accountId={accountId}
        exportHref={`/api/accounts/${accountId}/teams-users/export.csv?${exportQuery}`}
        syncing={sync.isPending}
        syncDisabled={syncing || data?.connected === false}
        onSync={() => sync.mutate()}
      />
      {data?.connected === false && (
        <Alert color="yellow" title="Not connected to Microsoft Teams">
          Users can be added now; they wait as pending until a Global Administrator connects the tenant, then
          provisioning completes.
        </Alert>
      )}
      {data?.sync && <SyncStatusText sync={data.sync} />}
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
            setFilter(filterFrom(v));
            setPage(1);
          }}
          aria-label="Filter"
          allowDeselect={false}
        />
      </Group>
      <UsersTable
        accountId={accountId}
        rows={data?.items ?? []}
        onAction={(userId, kind) => action.mutate({ userId, kind })}
      />
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
