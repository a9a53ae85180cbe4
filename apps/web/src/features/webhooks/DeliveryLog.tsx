import { Alert, Badge, Button, Code, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import { redeliver, type WebhookDelivery, type WebhookEndpoint, webhookKeys, webhookQueries } from "./api";

const statusColor = { pending: "yellow", delivered: "green", failed: "red" } as const;
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

/** One endpoint's deliveries, newest first, with Redeliver. */
export function DeliveryLog(props: { accountId: string; endpoint: WebhookEndpoint }) {
  const { accountId, endpoint } = props;
  const queryClient = useQueryClient();
  const log = useInfiniteQuery(webhookQueries.deliveries(accountId, endpoint.id));
  const deliveries = log.data?.pages.flatMap((page) => page.items) ?? [];
  const again = useMutation({
    mutationFn: (delivery: WebhookDelivery) => redeliver(accountId, endpoint.id, delivery.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(accountId, endpoint.id) });
      notifications.show({ color: "green", message: "Queued for redelivery." });
    },
    onError: (error) =>
      notifications.show({
        color: "red",
        title: "Not redelivered",
        message: error instanceof ApiError ? error.message : "Something went wrong.",
      }),
  });
  return (
    <Stack gap="xs">
      <Title order={4}>Deliveries to {endpoint.url}</Title>
      {log.isError && <Alert color="red">Could not load the deliveries: {log.error.message}</Alert>}
      <Table striped aria-label="Deliveries">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Event</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Last response</Table.Th>
            <Table.Th>Last attempt</Table.Th>
            <Table.Th>Next attempt</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deliveries.map((delivery) => (
            <Table.Tr key={delivery.id} data-testid={`delivery-${delivery.eventType}`}>
              <Table.Td>{delivery.eventType}</Table.Td>
              <Table.Td>
                <Badge color={statusColor[delivery.status]} variant="light">
                  {delivery.status}
                </Badge>
              </Table.Td>
              <Table.Td>{delivery.attempts}</Table.Td>
              <Table.Td>
                {delivery.lastResponseCode ?? ""}{" "}
                {(delivery.lastError || delivery.lastResponseExcerpt) && (
                  <Code>{(delivery.lastError ?? delivery.lastResponseExcerpt ?? "").slice(0, 120)}</Code>
                )}
              </Table.Td>
              <Table.Td>{when(delivery.lastAttemptAt)}</Table.Td>
              <Table.Td>{when(delivery.nextAttemptAt)}</Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  variant="subtle"
                  loading={again.isPending && again.variables?.id === delivery.id}
                  onClick={() => again.mutate(delivery)}
                >
                  Redeliver
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {log.hasNextPage && (
        <Button
          variant="default"
          size="xs"
          loading={log.isFetchingNextPage}
          onClick={() => log.fetchNextPage()}
        >
          Load older deliveries
        </Button>
      )}
      {log.isSuccess && deliveries.length === 0 && (
        <Text c="dimmed">Nothing was sent to this endpoint yet.</Text>
      )}
    </Stack>
  );
}
