import { Alert, Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import type { components } from "../../api/schema";
import { preflightQueries } from "./api";

type Line = components["schemas"]["PreflightLine"];

const statusColor: Record<Line["status"], string> = {
  ok: "green",
  warning: "yellow",
  waiting: "blue",
  failed: "red",
  unknown: "gray",
};

const statusLabel: Record<Line["status"], string> = {
  ok: "OK",
  warning: "Warning",
  waiting: "Waiting",
  failed: "Failed",
  unknown: "Unknown",
};

/** The enterprise's tenant health check: one line per precondition of Direct Routing, each OK or a reason and a fix. */
export function PreflightPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const report = useQuery(preflightQueries.report(accountId));
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Preflight</Title>
        <Group>
          <Button variant="default" component={Link} to={`/a/${accountId}/enterprise`}>
            Back to the enterprise
          </Button>
          <Button onClick={() => report.refetch()} loading={report.isFetching}>
            Run again
          </Button>
        </Group>
      </Group>
      <Text c="dimmed">
        Checks the customer's Microsoft 365 tenant, the carrier trunk, DNS and the SBC. Nothing is changed.
      </Text>
      {report.isPending && <Loader />}
      {report.isError && (
        <Alert color="red" title="The Preflight could not run">
          {report.error.message}
        </Alert>
      )}
      {report.data && (
        <Card withBorder>
          <Text size="sm" c="dimmed" mb="sm">
            Checked {new Date(report.data.checkedAt).toLocaleString()}
          </Text>
          <Table aria-label="Preflight checks" verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Check</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Details</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.data.lines.map((line) => (
                <Table.Tr key={line.id} data-check={line.id} data-status={line.status}>
                  <Table.Td>{line.label}</Table.Td>
                  <Table.Td>
                    <Badge color={statusColor[line.status]} variant="light">
                      {statusLabel[line.status]}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{line.detail}</Text>
                    {line.fix && (
                      <Text size="sm" fw={500} mt={4}>
                        Fix: {line.fix}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </Stack>
  );
}
