import { Alert, Badge, Button, Group, Select, Skeleton, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconDownload } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { type CallLog, type CallLogFilters, callLogsCsvHref, callLogsQueries } from "./api";

const directionLabel = { "pbx-to-teams": "PBX → Teams", "teams-to-pbx": "Teams → PBX" } as const;
const resultColor = { answered: "green", missed: "yellow", failed: "red" } as const;

const formatDuration = (seconds: number) => {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
};

/**
 * The call logs of an account (an enterprise, or a partner's subtree with an Enterprise column), or of one
 * Teams user: filters, Previous/Next by cursor and the CSV export of the same filters.
 */
export function CallLogs({
  accountId,
  teamsUserId,
  showEnterprise,
}: {
  accountId: string;
  teamsUserId?: string;
  showEnterprise: boolean;
}) {
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [direction, setDirection] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [number, setNumber] = useState("");
  const [debouncedNumber] = useDebouncedValue(number.trim(), 300);
  const filters = useMemo(
    (): CallLogFilters => ({
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(direction ? { direction: direction as CallLogFilters["direction"] } : {}),
      ...(result ? { result: result as CallLogFilters["result"] } : {}),
      ...(teamsUserId ? { teamsUserId } : {}),
      ...(/^\+?[0-9*#]{1,32}$/.test(debouncedNumber) ? { number: debouncedNumber } : {}),
    }),
    [from, to, direction, result, teamsUserId, debouncedNumber],
  );
  // The cursors of the pages visited so far for these filters: Previous pops, Next pushes.
  const [paging, setPaging] = useState<{ filters: CallLogFilters; cursors: (string | undefined)[] }>({
    filters,
    cursors: [undefined],
  });
  const cursors = paging.filters === filters ? paging.cursors : [undefined];
  const page = useQuery(callLogsQueries.page(accountId, filters, cursors.at(-1)));
  const data = page.data;
  const columns = showEnterprise ? 10 : 9;

  return (
    <Stack>
      <Group align="flex-end" wrap="wrap">
        <TextInput label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <Select
          label="Direction"
          placeholder="Both"
          clearable
          data={[
            { value: "pbx-to-teams", label: directionLabel["pbx-to-teams"] },
            { value: "teams-to-pbx", label: directionLabel["teams-to-pbx"] },
          ]}
          value={direction}
          onChange={setDirection}
          w={160}
        />
        <Select
          label="Result"
          placeholder="Any"
          clearable
          data={[
            { value: "answered", label: "Answered" },
            { value: "missed", label: "Missed" },
            { value: "failed", label: "Failed" },
          ]}
          value={result}
          onChange={setResult}
          w={140}
        />
        <TextInput
          label="Number"
          placeholder="Part of a number"
          value={number}
          onChange={(e) => setNumber(e.currentTarget.value)}
          error={
            number.trim() && !/^\+?[0-9*#]{1,32}$/.test(number.trim()) ? "Digits, optionally after +" : null
          }
        />
        <Button
          component="a"
          href={callLogsCsvHref(accountId, filters)}
          download
          variant="default"
          leftSection={<IconDownload size={16} />}
        >
          Export CSV
        </Button>
      </Group>
      {page.isError && <Alert color="red">Could not load the call logs: {page.error.message}</Alert>}
      {page.isPending && <Skeleton h={160} />}
      {data && (
        <Table striped withTableBorder aria-label="Call logs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Started</Table.Th>
              <Table.Th>Direction</Table.Th>
              <Table.Th>From</Table.Th>
              <Table.Th>To</Table.Th>
              <Table.Th>Teams user</Table.Th>
              {showEnterprise && <Table.Th>Enterprise</Table.Th>}
              <Table.Th>Result</Table.Th>
              <Table.Th>SIP</Table.Th>
              <Table.Th>Duration</Table.Th>
              <Table.Th>Microsoft proxy</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={columns}>
                  <Text c="dimmed">No calls match. Calls through the SBC appear here once they end.</Text>
                </Table.Td>
              </Table.Tr>
            )}
            {data.items.map((call) => (
              <CallLogRow key={call.id} call={call} showEnterprise={showEnterprise} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {data && (data.nextCursor || cursors.length > 1) && (
        <Group justify="flex-end" gap="xs">
          <Button
            variant="default"
            size="xs"
            disabled={cursors.length === 1}
            onClick={() => setPaging({ filters, cursors: cursors.slice(0, -1) })}
          >
            Previous
          </Button>
          <Text size="sm">Page {cursors.length}</Text>
          <Button
            variant="default"
            size="xs"
            disabled={!data.nextCursor}
            onClick={() => data.nextCursor && setPaging({ filters, cursors: [...cursors, data.nextCursor] })}
          >
            Next
          </Button>
        </Group>
      )}
    </Stack>
  );
}

function CallLogRow({ call, showEnterprise }: { call: CallLog; showEnterprise: boolean }) {
  return (
    <Table.Tr data-testid={`call-log-${call.id}`}>
      <Table.Td>{new Date(call.startedAt).toLocaleString()}</Table.Td>
      <Table.Td>{directionLabel[call.direction]}</Table.Td>
      <Table.Td>{call.fromNumber}</Table.Td>
      <Table.Td>{call.toNumber}</Table.Td>
      <Table.Td>
        {call.teamsUser?.displayName || call.teamsUser?.userPrincipalName || call.teamsUserNumber}
      </Table.Td>
      {showEnterprise && <Table.Td>{call.enterprise.name}</Table.Td>}
      <Table.Td>
        <Badge color={resultColor[call.result]} variant="light">
          {call.result}
        </Badge>
      </Table.Td>
      <Table.Td>{call.sipCode ? `${call.sipCode} ${call.sipReason ?? ""}` : "—"}</Table.Td>
      <Table.Td>{call.result === "answered" ? formatDuration(call.durationSeconds) : "—"}</Table.Td>
      <Table.Td>{call.microsoftProxy?.replace(/^sip:/, "") ?? "—"}</Table.Td>
    </Table.Tr>
  );
}
