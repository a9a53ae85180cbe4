import { Alert, Button, Group, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
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
  // The cursors of the pages visited so far: [undefined (page 1), page 2's, …]; Previous pops, Next pushes.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const firstPage = () => setCursors([undefined]);
  const [error, setError] = useState<string | null>(null);

  const list = useQuery(teamsUsersQueries.list(accountId, debounced, filter, cursors.at(-1)));
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
            firstPage();
          }}
          w={360}
          aria-label="Search users"
        />
        {/* The browser's own select: Mantine's Select keeps its dropdown mounted and positioned from the first render. */}
        <NativeSelect
          data={FILTERS.map((f) => ({ value: f.value, label: f.label }))}
          value={filter}
          onChange={(e) => {
            setFilter(filterFrom(e.currentTarget.value));
            firstPage();
          }}
          aria-label="Filter"
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
      {data && (data.total > PAGE_SIZE || cursors.length > 1) && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {data.exact
              ? `${data.total.toLocaleString()} users`
              : `More than ${data.exactUpTo.toLocaleString()} users match${
                  // A search's total is only "more than"; a list's is the planner's estimate.
                  data.total > data.exactUpTo + 1 ? ` (about ${data.total.toLocaleString()})` : ""
                }`}
          </Text>
          <Group gap="xs">
            <Button
              variant="default"
              size="xs"
              disabled={cursors.length === 1}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              Previous
            </Button>
            <Text size="sm">Page {cursors.length}</Text>
            <Button
              variant="default"
              size="xs"
              disabled={!data.nextCursor}
              onClick={() => data.nextCursor && setCursors((c) => [...c, data.nextCursor ?? undefined])}
            >
              Next
            </Button>
          </Group>
        </Group>
      )}
    </Stack>
  );
}
