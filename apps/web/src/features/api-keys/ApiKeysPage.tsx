import { Alert, Badge, Button, Code, Group, Modal, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconKey } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { ApiError } from "../../api/client";
import { useSession } from "../../app/session";
import { type ApiKey, apiKeyKeys, apiKeyQueries, revokeApiKey } from "./api";
import { CreateApiKeyModal } from "./CreateApiKeyModal";

const statusColor = { active: "green", expired: "gray", revoked: "red" } as const;
const when = (iso: string | null, none = "—") => (iso ? new Date(iso).toLocaleString() : none);

/** Settings › API keys (Admins): keys for the account's own systems; see docs/api.md. */
export function ApiKeysPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const { data: session } = useSession();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const isAdmin = session?.user.role === "Admin";
  const keys = useQuery({ ...apiKeyQueries.list(accountId), enabled: isAdmin });
  const refresh = () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.list(accountId) });

  const revoke = useMutation({
    mutationFn: (key: ApiKey) => revokeApiKey(accountId, key.id),
    onSuccess: (key) => {
      setRevoking(null);
      void refresh();
      notifications.show({ color: "green", message: `API key ${key.name} was revoked.` });
    },
    onError: (error) =>
      notifications.show({
        color: "red",
        title: "Not revoked",
        message: error instanceof ApiError ? error.message : "Something went wrong.",
      }),
  });

  if (session && !isAdmin) {
    return (
      <Stack>
        <Title order={2}>API keys</Title>
        <Alert color="yellow">Only Admins can manage API keys.</Alert>
      </Stack>
    );
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>API keys</Title>
        <Button leftSection={<IconKey size={16} />} onClick={() => setCreating(true)}>
          Create API key
        </Button>
      </Group>
      <Text c="dimmed" size="sm">
        A key lets your own systems use the portal's API in this account and the accounts below it, with the
        rights of its role.
      </Text>
      {keys.isError && <Alert color="red">Could not load the API keys: {keys.error.message}</Alert>}
      <Table striped highlightOnHover aria-label="API keys">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Prefix</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th>Expires</Table.Th>
            <Table.Th>Last used</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.data?.items.map((key) => (
            <Table.Tr key={key.id} data-testid={`api-key-${key.name}`}>
              <Table.Td>{key.name}</Table.Td>
              <Table.Td>{key.role}</Table.Td>
              <Table.Td>
                <Code>{key.prefix}…</Code>
              </Table.Td>
              <Table.Td>{when(key.createdAt)}</Table.Td>
              <Table.Td>{when(key.expiresAt, "Never")}</Table.Td>
              <Table.Td>{when(key.lastUsedAt, "Never")}</Table.Td>
              <Table.Td>
                <Badge color={statusColor[key.status]} variant="light">
                  {key.status}
                </Badge>
              </Table.Td>
              <Table.Td>
                {key.status !== "revoked" && (
                  <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(key)}>
                    Revoke
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {keys.data?.items.length === 0 && <Text c="dimmed">No API keys yet.</Text>}
      <CreateApiKeyModal
        accountId={accountId}
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={() => void refresh()}
      />
      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title="Revoke API key">
        <Stack>
          <Text>
            Revoke <b>{revoking?.name}</b>? Every system using it is refused from its next request on. This
            cannot be undone.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={revoke.isPending}
              onClick={() => revoking && revoke.mutate(revoking)}
            >
              Revoke key
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
