import { Alert, Button, Center, Group, Loader, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { IconCircleCheck } from "@tabler/icons-react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useNavigate, useParams, useSearch } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { api, unwrap } from "../../api/client";
import { ensureSession } from "../../app/session";
import { useLinkToken } from "../identity/link-token";
import { microsoftQueries } from "./api";

const UNKNOWN_MESSAGES: Record<string, string> = {
  state_expired:
    "This authorization link has expired or was already used. Start again with Connect to Microsoft Teams.",
};

function Card({ children }: { children: ReactNode }) {
  return (
    <Center mih="100vh" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={560} radius="md">
        <Stack>{children}</Stack>
      </Paper>
    </Center>
  );
}

/** Where Microsoft's redirect ends: the confirmation of the customer guide, or a failure with a retry. */
export function ConsentResultPage() {
  const { flowId } = useParams({ from: "/microsoft/result/$flowId" });
  const { error } = useSearch({ from: "/microsoft/result/$flowId" });
  const navigate = useNavigate();
  const result = useQuery(microsoftQueries.consentResult(flowId));
  const retry = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/microsoft/consent-flows/{flowId}/retry", { params: { path: { flowId } } })),
    onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl),
  });
  const close = async (enterpriseAccountId?: string) => {
    if (window.opener) {
      window.close();
      return;
    }
    const session = await ensureSession().catch(() => null);
    if (session && enterpriseAccountId)
      await navigate({ to: "/a/$accountId/dashboard", params: { accountId: enterpriseAccountId } });
    else await navigate({ to: "/" });
  };

  if (flowId === "unknown" || result.isError) {
    return (
      <Card>
        <Title order={2}>The authorization did not complete</Title>
        <Alert color="red">
          {UNKNOWN_MESSAGES[error ?? "state_expired"] ?? UNKNOWN_MESSAGES.state_expired}
        </Alert>
        <Button onClick={() => close()}>Back to the portal</Button>
      </Card>
    );
  }
  if (result.isPending) {
    return (
      <Card>
        <Loader />
      </Card>
    );
  }
  const r = result.data;
  if (r.outcome === "connected") {
    return (
      <Card>
        <Group gap="xs">
          <IconCircleCheck color="var(--mantine-color-green-6)" />
          <Title order={2}>Authorization complete</Title>
        </Group>
        <Text>You have authorized the {r.portalName} to use the following Microsoft Account.</Text>
        <Table withTableBorder>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th>Account</Table.Th>
              <Table.Td data-testid="authorized-account">{r.adminUpn}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Tenant domain</Table.Th>
              <Table.Td data-testid="authorized-domain">{r.tenantDomain}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        <Text size="sm" c="dimmed">
          Verify that the account and the tenant domain are correct, then close this page.
        </Text>
        <Button onClick={() => close(r.enterpriseAccountId)}>Close</Button>
      </Card>
    );
  }
  return (
    <Card>
      <Title order={2}>The authorization did not complete</Title>
      <Alert color="red" data-testid="consent-error">
        {r.message ?? "The authorization is still in progress."}
      </Alert>
      <Group>
        <Button onClick={() => retry.mutate()} loading={retry.isPending}>
          Try again
        </Button>
        <Button variant="default" onClick={() => close(r.enterpriseAccountId)}>
          Back to the portal
        </Button>
      </Group>
      {retry.isError && <Text c="red">{retry.error.message}</Text>}
    </Card>
  );
}

/**
 * The link a partner emailed: starts "Connect to Microsoft Teams" without a portal session. The token is in
 * the link's fragment (never sent to the server with the page), read once and dropped from the address bar.
 */
export function AuthorizeRequestPage() {
  const token = useLinkToken();
  const start = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/microsoft/authorization-requests/connect", { body: { token: token ?? "" } })),
    onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl),
  });
  return (
    <Card>
      <Title order={2}>Connect to Microsoft Teams</Title>
      <Text>
        Your telephony provider needs your authorization to configure calling settings on your Microsoft 365
        tenant. Sign in with your Microsoft 365 Global Admin account and accept the permissions. It takes
        about 5 minutes.
      </Text>
      {!token && (
        <Alert color="red">This authorization link is incomplete. Open the link from the email again.</Alert>
      )}
      <Button onClick={() => start.mutate()} loading={start.isPending} disabled={!token}>
        Connect to Microsoft Teams
      </Button>
      {start.isError && <Alert color="red">{start.error.message}</Alert>}
    </Card>
  );
}
