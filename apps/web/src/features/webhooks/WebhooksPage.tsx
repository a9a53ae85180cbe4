import { Alert, Badge, Button, Group, Modal, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconWebhook } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { ApiError } from "../../api/client";
import { useSession } from "../../app/session";
import { deleteEndpoint, rotateSecret, type WebhookEndpoint, webhookKeys, webhookQueries } from "./api";
import { DeliveryLog } from "./DeliveryLog";
import { EndpointModal } from "./EndpointModal";
import { SecretOnce } from "./SecretOnce";

const failed = (title: string) => (error: Error) =>
  notifications.show({
    color: "red",
    title,
    message: error instanceof ApiError ? error.message : "Something went wrong.",
  });

/** Settings › Webhooks (Admins): endpoints, their secret shown once, and each one's delivery log; docs/webhooks.md. */
export function WebhooksPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const { data: session } = useSession();
  const queryClient = useQueryClient();
  const isAdmin = session?.user.role === "Admin";
  const endpoints = useQuery({ ...webhookQueries.list(accountId), enabled: isAdmin });
  const [editor, setEditor] = useState<{ editing: WebhookEndpoint | null } | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [rotated, setRotated] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: webhookKeys.all(accountId) });

  const remove = useMutation({
    mutationFn: (endpoint: WebhookEndpoint) => deleteEndpoint(accountId, endpoint.id),
    onSuccess: () => {
      setDeleting(null);
      setSelected(null);
      void refresh();
      notifications.show({ color: "green", message: "The endpoint was deleted." });
    },
    onError: failed("Not deleted"),
  });
  const rotate = useMutation({
    mutationFn: (endpoint: WebhookEndpoint) => rotateSecret(accountId, endpoint.id),
    onSuccess: (result) => setRotated(result.secret),
    onError: failed("Secret not rotated"),
  });

  if (session && !isAdmin) {
    return (
      <Stack>
        <Title order={2}>Webhooks</Title>
        <Alert color="yellow">Only Admins can manage webhooks.</Alert>
      </Stack>
    );
  }
  const shown = endpoints.data?.items.find((endpoint) => endpoint.id === selected) ?? null;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Webhooks</Title>
        <Button leftSection={<IconWebhook size={16} />} onClick={() => setEditor({ editing: null })}>
          Add endpoint
        </Button>
      </Group>
      <Text c="dimmed" size="sm">
        Endpoints receive the chosen events of this account and every account below it, signed per Standard
        Webhooks, retried for 24 hours.
      </Text>
      {endpoints.isError && (
        <Alert color="red">Could not load the endpoints: {endpoints.error.message}</Alert>
      )}
      <Table striped highlightOnHover aria-label="Webhook endpoints">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>URL</Table.Th>
            <Table.Th>Events</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {endpoints.data?.items.map((endpoint) => (
            <Table.Tr key={endpoint.id} data-testid={`endpoint-${endpoint.url}`}>
              <Table.Td>
                {endpoint.url}
                {endpoint.description && (
                  <Text size="xs" c="dimmed">
                    {endpoint.description}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{endpoint.eventTypes.join(", ")}</Table.Td>
              <Table.Td>
                <Badge color={endpoint.enabled ? "green" : "gray"} variant="light">
                  {endpoint.enabled ? "enabled" : "disabled"}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Button size="xs" variant="subtle" onClick={() => setSelected(endpoint.id)}>
                    Deliveries
                  </Button>
                  <Button size="xs" variant="subtle" onClick={() => setEditor({ editing: endpoint })}>
                    Edit
                  </Button>
                  <Button size="xs" variant="subtle" onClick={() => rotate.mutate(endpoint)}>
                    Rotate secret
                  </Button>
                  <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(endpoint)}>
                    Delete
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {endpoints.data?.items.length === 0 && <Text c="dimmed">No webhook endpoints yet.</Text>}
      {shown && <DeliveryLog accountId={accountId} endpoint={shown} />}
      <EndpointModal
        accountId={accountId}
        opened={editor !== null}
        editing={editor?.editing ?? null}
        onClose={() => setEditor(null)}
        onSaved={() => void refresh()}
      />
      <Modal opened={rotated !== null} onClose={() => setRotated(null)} title="The new signing secret">
        {rotated && <SecretOnce secret={rotated} onDone={() => setRotated(null)} />}
      </Modal>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title="Delete webhook endpoint">
        <Stack>
          <Text>
            Delete the endpoint <b>{deleting?.url}</b> and its delivery log? Nothing more is sent to it.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() => deleting && remove.mutate(deleting)}
            >
              Delete endpoint
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
