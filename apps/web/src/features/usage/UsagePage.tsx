import { Alert, Button, Group, Select, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { currentMonth, type UsageFigures, usageCsvHref, usageQueries } from "./api";
import { monthLabel, recentMonths } from "./months";

const MONTHS_OFFERED = 24;

/** Usage: seats per enterprise and per partner for a month, with totals and a CSV download. */
export function UsagePage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const [month, setMonth] = useState(currentMonth);
  const report = useQuery(usageQueries.report(accountId, month));
  const data = report.data;

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={2}>Usage</Title>
        <Group align="flex-end">
          <Select
            label="Month"
            allowDeselect={false}
            data={recentMonths(MONTHS_OFFERED).map((m) => ({ value: m, label: monthLabel(m) }))}
            value={month}
            onChange={(value) => value && setMonth(value)}
            w={200}
          />
          <Button
            component="a"
            href={usageCsvHref(accountId, month)}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
          >
            Download CSV
          </Button>
        </Group>
      </Group>
      {report.isError && <Alert color="red">Could not load the usage report: {report.error.message}</Alert>}
      {report.isPending && <Skeleton h={160} />}
      {data && (
        <>
          <Text c="dimmed" size="sm">
            {data.complete
              ? `${monthLabel(data.month)}, from the daily snapshots.`
              : `${monthLabel(data.month)} so far, as of ${data.asOf} (today's figures are live).`}{" "}
            Calling enabled: the peak of any day and the figure at the end of the month; numbers and SIP
            devices at the end of the month; minutes: the talk time of the answered calls in the SBC's call
            logs, on the day a call ended (UTC).
          </Text>
          {data.minutesNote && <Alert color="blue">{data.minutesNote}</Alert>}
          <Title order={3}>Enterprises</Title>
          <Table striped withTableBorder aria-label="Usage per enterprise">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Enterprise</Table.Th>
                <Table.Th>Partner</Table.Th>
                <FigureHeaders />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.enterprises.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={7}>
                    <Text c="dimmed">No figures for this month.</Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {data.enterprises.map((e) => (
                <Table.Tr key={e.accountId} data-testid={`usage-enterprise-${e.accountId}`}>
                  <Table.Td>{e.name}</Table.Td>
                  <Table.Td>{e.parentName ?? "—"}</Table.Td>
                  <FigureCells figures={e} />
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr data-testid="usage-total">
                <Table.Th colSpan={2}>Total ({data.total.name})</Table.Th>
                <FigureCells figures={data.total} />
              </Table.Tr>
            </Table.Tfoot>
          </Table>
          {data.partners.length > 0 && (
            <>
              <Title order={3}>Partners</Title>
              <Table striped withTableBorder aria-label="Usage per partner">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Partner</Table.Th>
                    <Table.Th>Enterprises</Table.Th>
                    <FigureHeaders />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.partners.map((p) => (
                    <Table.Tr key={p.accountId} data-testid={`usage-partner-${p.accountId}`}>
                      <Table.Td>{p.name}</Table.Td>
                      <Table.Td>{p.enterprises}</Table.Td>
                      <FigureCells figures={p} />
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </>
          )}
        </>
      )}
    </Stack>
  );
}

function FigureHeaders() {
  return (
    <>
      <Table.Th>Calling enabled (peak)</Table.Th>
      <Table.Th>Calling enabled (end of month)</Table.Th>
      <Table.Th>Numbers assigned</Table.Th>
      <Table.Th>SIP devices</Table.Th>
      <Table.Th>Minutes</Table.Th>
    </>
  );
}

function FigureCells({ figures }: { figures: UsageFigures }) {
  return (
    <>
      <Table.Td data-column="calling-peak">{figures.callingEnabledPeak}</Table.Td>
      <Table.Td data-column="calling-end">{figures.callingEnabledEnd}</Table.Td>
      <Table.Td data-column="numbers">{figures.numbersAssigned}</Table.Td>
      <Table.Td data-column="devices">{figures.sipDevices}</Table.Td>
      <Table.Td data-column="minutes">{figures.minutes ?? "not available"}</Table.Td>
    </>
  );
}
