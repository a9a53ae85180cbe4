import { Alert, Badge, Button, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { ApiError, api, unwrap } from "../../api/client";
import { identityKeys, identityQueries } from "./api";

const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * Settings › Security › Sessions: every session of the signed-in user (device, IP, created, last used),
 * each of which can be ended; ending this device's own session signs this browser out.
 */
export function SessionsCard() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const sessions = useQuery(identityQueries.sessions());
  const signedOut = async () => {
    queryClient.clear();
    await navigate({ to: "/sign-in" });
  };
  const failed = (error: unknown) =>
    notifications.show({
      color: "red",
      message: error instanceof ApiError ? error.message : "Could not end the session.",
    });
  const others = sessions.data?.items.filter((s) => !s.current).length ?? 0;

  return (
    <Card withBorder>
      <Stack>
        <Title order={3}>Sessions</Title>
        <Text size="sm" c="dimmed">
          Everywhere you are signed in. End any session you do not recognise or no longer use: that browser is
          signed out on its next request.
        </Text>
        {sessions.isError && (
          <Alert color="red">Could not load your sessions: {sessions.error.message}</Alert>
        )}
        <Table striped aria-label="Sessions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Device</Table.Th>
              <Table.Th>IP address</Table.Th>
              <Table.Th>Signed in</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sessions.data?.items.map((session) => (
              <Table.Tr key={session.id} data-testid={`session-${session.id}`}>
                <Table.Td>
                  <Group gap="xs">
                    <Text size="sm">{session.device}</Text>
                    {session.current && (
                      <Badge color="green" variant="light">
                        This device
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>{session.ip ?? "—"}</Table.Td>
                <Table.Td>{when(session.createdAt)}</Table.Td>
                <Table.Td>{when(session.lastUsedAt)}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    color="red"
                    variant="subtle"
                    aria-label={`End session ${session.device}${session.current ? " (this device)" : ""}`}
                    onClick={async () => {
                      try {
                        await unwrap(
                          api.DELETE("/api/session/sessions/{sessionId}", {
                            params: { path: { sessionId: session.id } },
                          }),
                        );
                        if (session.current) return await signedOut();
                        await queryClient.invalidateQueries({ queryKey: identityKeys.sessions() });
                      } catch (error) {
                        failed(error);
                        await queryClient.invalidateQueries({ queryKey: identityKeys.sessions() });
                      }
                    }}
                  >
                    End session
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group>
          <Button
            variant="light"
            color="red"
            disabled={others === 0}
            onClick={async () => {
              try {
                const result = await unwrap(api.POST("/api/session/sessions/end-others"));
                notifications.show({
                  color: "green",
                  message: `${result.endedSessions} other session${result.endedSessions === 1 ? "" : "s"} ended.`,
                });
              } catch (error) {
                failed(error);
              }
              await queryClient.invalidateQueries({ queryKey: identityKeys.sessions() });
            }}
          >
            End all other sessions
          </Button>
          <Button
            color="red"
            variant="subtle"
            onClick={async () => {
              await unwrap(api.POST("/api/session/sign-out-everywhere"));
              await signedOut();
            }}
          >
            Sign out everywhere
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
