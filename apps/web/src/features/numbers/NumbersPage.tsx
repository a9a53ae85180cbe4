import {
  Alert,
  Badge,
  Button,
  Group,
  Pagination,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { useActingAccount } from "../microsoft/useActingAccount";
import { NUMBERS_PAGE_SIZE, numbersKeys, numbersQueries } from "./api";
import { failed, type Outcome } from "./outcome";

const stateColor = { available: "green", reserved: "blue", assigned: "gray", quarantined: "orange" } as const;
type State = keyof typeof stateColor;

/** Numbers: the inventory. Operator and partners upload and allocate; an enterprise sees what it was given. */
export function NumbersPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const acting = useActingAccount(accountId);
  const isEnterprise = acting.data?.account.kind === "enterprise";
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [state, setState] = useState<State | null>(null);
  const [page, setPage] = useState(1);
  const list = useQuery(numbersQueries.list(accountId, debounced, state, page));
  const refresh = () => queryClient.invalidateQueries({ queryKey: numbersKeys.all(accountId) });

  return (
    <Stack>
      <Title order={2}>Numbers</Title>
      {!isEnterprise && acting.data && (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <AddNumbers accountId={accountId} onDone={refresh} />
          <Allocate accountId={accountId} onDone={refresh} />
        </SimpleGrid>
      )}
      <Group>
        <TextInput
          placeholder="Search numbers"
          aria-label="Search numbers"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            setPage(1);
          }}
        />
        <Select
          placeholder="All states"
          aria-label="State"
          clearable
          data={Object.keys(stateColor)}
          value={state}
          onChange={(v) => {
            setState(v as State | null);
            setPage(1);
          }}
        />
      </Group>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Phone Number</Table.Th>
            <Table.Th>State</Table.Th>
            {!isEnterprise && <Table.Th>Enterprise</Table.Th>}
            <Table.Th>Notes</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.data?.items.map((n) => (
            <Table.Tr key={n.number}>
              <Table.Td>{n.number}</Table.Td>
              <Table.Td>
                <Badge color={stateColor[n.state]} variant="light">
                  {n.state}
                </Badge>
              </Table.Td>
              {!isEnterprise && (
                <Table.Td>{n.enterpriseName ?? <Text c="dimmed">Not allocated</Text>}</Table.Td>
              )}
              <Table.Td>
                {n.conflict && (
                  <Text size="sm" c="red">
                    Conflict: {n.conflict}
                  </Text>
                )}
                {n.state === "quarantined" && n.quarantinedUntil && (
                  <Text size="sm" c="dimmed">
                    Cooling down until {new Date(n.quarantinedUntil).toLocaleDateString()}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data && list.data.items.length === 0 && <Text c="dimmed">No numbers.</Text>}
      {list.data && list.data.total > NUMBERS_PAGE_SIZE && (
        <Pagination total={Math.ceil(list.data.total / NUMBERS_PAGE_SIZE)} value={page} onChange={setPage} />
      )}
    </Stack>
  );
}

function AddNumbers({ accountId, onDone }: { accountId: string; onDone: () => void }) {
  const [first, setFirst] = useState("");
  const [last, setLast] = useState("");
  const [csv, setCsv] = useState("");
  const [message, setMessage] = useState<Outcome | null>(null);
  const add = useMutation({
    mutationFn: (body: { first: string; last: string } | { csv: string }) =>
      unwrap(api.POST("/api/accounts/{accountId}/numbers", { params: { path: { accountId } }, body })),
    onSuccess: (r) => {
      setMessage({
        ok: true,
        text: `${r.added} number(s) added${r.alreadyKnown.length ? `; ${r.alreadyKnown.length} were already known` : ""}.`,
      });
      onDone();
    },
    onError: (e) => setMessage(failed(e)),
  });
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Text fw={500}>Upload numbers</Text>
        <NumberRangeInputs
          labels={["First number", "Last number"]}
          placeholders={["+12065550100", "+12065550199"]}
          range={[first, last]}
          onChange={[setFirst, setLast]}
        />
        <Button
          variant="light"
          onClick={() => add.mutate({ first, last: last || first })}
          loading={add.isPending}
        >
          Add range
        </Button>
        <Textarea
          label="Or paste a CSV (one E.164 number per line)"
          description="At most 100,000 lines of text; the number in the first column."
          autosize
          minRows={2}
          maxRows={6}
          value={csv}
          onChange={(e) => setCsv(e.currentTarget.value)}
        />
        <Button
          variant="light"
          onClick={() => add.mutate({ csv })}
          disabled={!csv.trim()}
          loading={add.isPending}
        >
          Upload CSV
        </Button>
        {message && <Alert color={message.ok ? "green" : "red"}>{message.text}</Alert>}
      </Stack>
    </Paper>
  );
}

function Allocate({ accountId, onDone }: { accountId: string; onDone: () => void }) {
  const enterprises = useQuery(numbersQueries.enterpriseChoices(accountId));
  const [enterprise, setEnterprise] = useState<string | null>(null);
  const [first, setFirst] = useState("");
  const [last, setLast] = useState("");
  const [message, setMessage] = useState<Outcome | null>(null);
  const allocate = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/accounts/{accountId}/numbers/allocate", {
          params: { path: { accountId } },
          body: { enterpriseAccountId: enterprise ?? "", first, last: last || undefined },
        }),
      ),
    onSuccess: (r) => {
      setMessage({
        ok: r.refused.length === 0,
        text: `${r.allocated} number(s) allocated${r.refused.length ? `; ${r.refused.length} not available (first: ${r.refused[0]})` : ""}.`,
      });
      onDone();
    },
    onError: (e) => setMessage(failed(e)),
  });
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Text fw={500}>Allocate a block to an enterprise</Text>
        <Select
          label="Enterprise"
          searchable
          data={(enterprises.data?.items ?? []).map((e) => ({ value: e.id, label: e.name }))}
          value={enterprise}
          onChange={setEnterprise}
        />
        <NumberRangeInputs
          labels={["From", "To"]}
          placeholders={["+12065550100", "+12065550119"]}
          range={[first, last]}
          onChange={[setFirst, setLast]}
        />
        <Button
          variant="light"
          onClick={() => allocate.mutate()}
          disabled={!enterprise || !first}
          loading={allocate.isPending}
        >
          Allocate
        </Button>
        {message && <Alert color={message.ok ? "green" : "yellow"}>{message.text}</Alert>}
      </Stack>
    </Paper>
  );
}

/** A range of numbers, first and last (E.164). */
function NumberRangeInputs(props: {
  labels: [string, string];
  placeholders: [string, string];
  range: [string, string];
  onChange: [(value: string) => void, (value: string) => void];
}) {
  return (
    <Group grow>
      {([0, 1] as const).map((i) => (
        <TextInput
          key={props.labels[i]}
          label={props.labels[i]}
          placeholder={props.placeholders[i]}
          value={props.range[i]}
          onChange={(e) => props.onChange[i](e.currentTarget.value)}
        />
      ))}
    </Group>
  );
}
