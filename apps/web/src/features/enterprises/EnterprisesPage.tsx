import { Alert, Badge, Button, Group, Pagination, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconPlus, IconSearch } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Navigate, useNavigate, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { useSession } from "../../app/session";
import { useActingAccount } from "../microsoft/useActingAccount";
import { AddEnterpriseModal } from "./AddEnterpriseModal";
import { ENTERPRISES_PAGE_SIZE, type EnterprisesSort, enterprisesQueries } from "./api";

type Sort = EnterprisesSort;

const connectionBadge = {
  connected: { color: "green", label: "Connected" },
  disconnected: { color: "gray", label: "Disconnected" },
  "not-connected": { color: "yellow", label: "Not connected" },
} as const;
const setupBadge = {
  queued: "blue",
  running: "blue",
  waiting: "yellow",
  completed: "green",
  failed: "red",
} as const;

/** Enterprises: the partner's customers, searched, sorted and paged on the server. */
export function EnterprisesPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const navigate = useNavigate();
  const acting = useActingAccount(accountId);
  const { data: session } = useSession();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [sort, setSort] = useState<Sort>("name");
  const [order, setOrder] = useState<"asc" | "desc">("asc");
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const list = useQuery(enterprisesQueries.list(accountId, debounced, sort, order, page));
  if (acting.data?.account.kind === "enterprise" && session && session.account.kind !== "enterprise") {
    // A partner still acting in a customer: Enterprises is the partner's own list (acting stops).
    return <Navigate to="/a/$accountId/enterprises" params={{ accountId: session.account.id }} />;
  }
  if (acting.data?.account.kind === "enterprise") {
    return (
      <Stack>
        <Title order={2}>Enterprises</Title>
        <Text>
          You are in an enterprise.{" "}
          <Button
            variant="subtle"
            onClick={() => navigate({ to: "/a/$accountId/enterprise", params: { accountId } })}
          >
            Open its onboarding
          </Button>
        </Text>
      </Stack>
    );
  }
  const sortBy = (column: Sort) => {
    if (sort === column) setOrder(order === "asc" ? "desc" : "asc");
    else {
      setSort(column);
      setOrder("asc");
    }
    setPage(1);
  };
  const arrow = (column: Sort) => (sort === column ? (order === "asc" ? " ▲" : " ▼") : "");
  const total = list.data?.total ?? 0;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Enterprises</Title>
        {/* An enterprise comes with its first Admin, so only Admins (who may invite Admins) add one. */}
        {session?.user.role === "Admin" && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
            Add Enterprise
          </Button>
        )}
      </Group>
      <TextInput
        placeholder="Search by company, admin email or billing reference"
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(e) => {
          setSearch(e.currentTarget.value);
          setPage(1);
        }}
        aria-label="Search enterprises"
      />
      {list.isError && <Alert color="red">Could not load enterprises: {list.error.message}</Alert>}
      {list.data && total === 0 && (
        <Alert color="blue" title={debounced ? "No enterprise matches" : "No enterprises yet"}>
          {debounced
            ? "Try another search."
            : session?.user.role === "Admin"
              ? "Click Add Enterprise to onboard your first customer: company, customer admin, regions and services."
              : "An Admin of this account adds enterprises."}
        </Alert>
      )}
      {total > 0 && (
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th style={{ cursor: "pointer" }} onClick={() => sortBy("name")}>
                Company{arrow("name")}
              </Table.Th>
              <Table.Th>Customer admin</Table.Th>
              <Table.Th>Trunk FQDN</Table.Th>
              <Table.Th>Microsoft Teams</Table.Th>
              <Table.Th>Setup</Table.Th>
              <Table.Th style={{ cursor: "pointer" }} onClick={() => sortBy("status")}>
                Status{arrow("status")}
              </Table.Th>
              <Table.Th style={{ cursor: "pointer" }} onClick={() => sortBy("createdAt")}>
                Added{arrow("createdAt")}
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.items.map((e) => (
              <Table.Tr
                key={e.id}
                style={{ cursor: "pointer" }}
                onClick={() => navigate({ to: "/a/$accountId/enterprise", params: { accountId: e.id } })}
              >
                <Table.Td fw={500}>{e.name}</Table.Td>
                <Table.Td>
                  <Text size="sm">{e.adminName}</Text>
                  <Text size="xs" c="dimmed">
                    {e.adminEmail}
                  </Text>
                </Table.Td>
                <Table.Td>{e.trunkFqdn ?? <Text c="dimmed">—</Text>}</Table.Td>
                <Table.Td>
                  <Badge color={connectionBadge[e.microsoftConnection].color}>
                    {connectionBadge[e.microsoftConnection].label}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {e.setupStatus ? <Badge color={setupBadge[e.setupStatus]}>{e.setupStatus}</Badge> : "—"}
                </Table.Td>
                <Table.Td>
                  <Badge color={e.status === "active" ? "green" : "gray"}>{e.status}</Badge>
                </Table.Td>
                <Table.Td>{new Date(e.createdAt).toLocaleDateString()}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {total > ENTERPRISES_PAGE_SIZE && (
        <Pagination total={Math.ceil(total / ENTERPRISES_PAGE_SIZE)} value={page} onChange={setPage} />
      )}
      <AddEnterpriseModal accountId={accountId} opened={adding} onClose={() => setAdding(false)} />
    </Stack>
  );
}
