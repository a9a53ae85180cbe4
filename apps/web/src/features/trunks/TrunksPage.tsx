import { Alert, Badge, Pagination, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { TRUNKS_PAGE_SIZE, trunksQueries } from "./api";

/** Trunks: every trunk profile in the acting account's scope. */
export function TrunksPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const navigate = useNavigate();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [page, setPage] = useState(1);
  const list = useQuery(trunksQueries.list(accountId, debounced, page));
  const total = list.data?.total ?? 0;
  return (
    <Stack>
      <Title order={2}>Trunks</Title>
      <TextInput
        placeholder="Search by FQDN, enterprise or PBX host"
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(e) => {
          setSearch(e.currentTarget.value);
          setPage(1);
        }}
        aria-label="Search trunk profiles"
      />
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.data && total === 0 && (
        <Alert color="blue" title={debounced ? "No trunk profile matches" : "No trunk profiles yet"}>
          {debounced
            ? "Try another search."
            : "Each customer needs its own trunk profile. Open an enterprise from Enterprises and fill in its trunk profile as part of onboarding."}
        </Alert>
      )}
      {total > 0 && (
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Trunk FQDN</Table.Th>
              <Table.Th>Enterprise</Table.Th>
              <Table.Th>PBX / registrar</Table.Th>
              <Table.Th>Mode</Table.Th>
              <Table.Th>Max calls</Table.Th>
              <Table.Th>Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.items.map((t) => (
              <Table.Tr
                key={t.id}
                style={{ cursor: "pointer" }}
                onClick={() =>
                  navigate({ to: "/a/$accountId/enterprise", params: { accountId: t.enterpriseId } })
                }
              >
                <Table.Td fw={500}>{t.fqdn}</Table.Td>
                <Table.Td>{t.enterpriseName}</Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {t.transport.toLowerCase()}:{t.pbxHost}:{t.pbxPort}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t.sipDomain}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {t.mode === "registration" ? "Registration" : `Static IP (${t.allowedIps.length})`}
                </Table.Td>
                <Table.Td>{t.maxConcurrentCalls}</Table.Td>
                <Table.Td>
                  <Badge color={t.status === "active" ? "green" : t.status === "pending" ? "yellow" : "gray"}>
                    {t.status}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {total > TRUNKS_PAGE_SIZE && (
        <Pagination total={Math.ceil(total / TRUNKS_PAGE_SIZE)} value={page} onChange={setPage} />
      )}
    </Stack>
  );
}
