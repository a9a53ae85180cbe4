import { Alert, Button, Code, Group, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { useSession } from "../../app/session";
import { settingsQueries } from "./api";

interface Filters {
  actor: string;
  action: string;
  from: string;
  to: string;
}

const summary = (value: unknown) => (value === null || value === undefined ? "" : JSON.stringify(value));

/** Settings › Audit log (Admins): who changed what, in this account and below, with filters and CSV export. */
export function AuditLogPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const { data: session } = useSession();
  const [draft, setDraft] = useState<Filters>({ actor: "", action: "", from: "", to: "" });
  const [filters, setFilters] = useState<Filters>(draft);
  const query = Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) as Partial<Filters>;
  const events = useInfiniteQuery({
    ...settingsQueries.audit(accountId, query),
    enabled: session?.user.role === "Admin",
  });
  const exportUrl = `/api/accounts/${accountId}/audit/export?${new URLSearchParams(query as Record<string, string>)}`;

  if (session && session.user.role !== "Admin") {
    return (
      <Stack>
        <Title order={2}>Audit log</Title>
        <Alert color="yellow">Only Admins can see the audit log.</Alert>
      </Stack>
    );
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Audit log</Title>
        <Button component="a" href={exportUrl} variant="default" leftSection={<IconDownload size={16} />}>
          Export CSV
        </Button>
      </Group>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <Group align="flex-end">
          <TextInput
            label="Actor"
            placeholder="email"
            value={draft.actor}
            onChange={(e) => setDraft({ ...draft, actor: e.currentTarget.value })}
          />
          <TextInput
            label="Action"
            placeholder="e.g. user. or sign-in."
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })}
          />
          <TextInput
            label="From"
            type="date"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
          />
          <TextInput
            label="To"
            type="date"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
          />
          <Button type="submit">Filter</Button>
        </Group>
      </form>
      {events.isError && <Alert color="red">Could not load the audit log: {events.error.message}</Alert>}
      <Table striped aria-label="Audit events" fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Account</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Record</Table.Th>
            <Table.Th>Change</Table.Th>
            <Table.Th>IP</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.data?.pages.flatMap((page) =>
            page.items.map((event) => (
              <Table.Tr key={event.id}>
                <Table.Td>{new Date(event.at).toLocaleString()}</Table.Td>
                <Table.Td>
                  {event.actorEmail ?? (
                    <Text c="dimmed" size="sm">
                      anonymous
                    </Text>
                  )}
                  {event.actorAccountName && event.actorAccountId !== event.accountId && (
                    <Text size="xs" c="dimmed">
                      from {event.actorAccountName}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{event.accountName ?? "—"}</Table.Td>
                <Table.Td>
                  <Code>{event.action}</Code>
                </Table.Td>
                <Table.Td>
                  {event.targetType} {event.targetId?.slice(0, 8)}
                </Table.Td>
                <Table.Td maw={320}>
                  <Text size="xs" style={{ wordBreak: "break-all" }}>
                    {event.before !== null && event.before !== undefined && (
                      <>before: {summary(event.before)} </>
                    )}
                    {event.after !== null && event.after !== undefined && <>after: {summary(event.after)}</>}
                  </Text>
                </Table.Td>
                <Table.Td>{event.ip}</Table.Td>
              </Table.Tr>
            )),
          )}
        </Table.Tbody>
      </Table>
      {events.data?.pages[0]?.items.length === 0 && <Text c="dimmed">No events match these filters.</Text>}
      {events.hasNextPage && (
        <Button variant="default" onClick={() => events.fetchNextPage()} loading={events.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </Stack>
  );
}
