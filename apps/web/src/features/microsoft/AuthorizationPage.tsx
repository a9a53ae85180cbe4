import { Alert, Button, Card, Group, Loader, Modal, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCircleCheck } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { ApiError, api, unwrap } from "../../api/client";
import { useSession } from "../../app/session";
import { useApiErrors } from "../../forms";
import { microsoftKeys, microsoftQueries } from "./api";
import { connectToMicrosoft, replaceMicrosoftTenant } from "./useActingAccount";

export function useMicrosoftConnection(accountId: string) {
  return useQuery(microsoftQueries.connection(accountId));
}

/**
 * The connection state, with connect / reconnect / disconnect, (for the partner) an emailed request, and (for
 * an Admin, once a tenant is linked) "Connect a different Microsoft 365 tenant" behind a confirmation.
 */
export function MicrosoftConnectionCard({ accountId }: { accountId: string }) {
  const { data: session } = useSession();
  const queryClient = useQueryClient();
  const connection = useMicrosoftConnection(accountId);
  const managedFromAbove = session && session.account.id !== accountId;
  const isAdmin = session?.user.role === "Admin";
  const [confirmReplace, setConfirmReplace] = useState(false);
  const replace = useMutation({
    mutationFn: () => replaceMicrosoftTenant(accountId),
    onError: (error) =>
      notifications.show({
        color: "red",
        title: "Could not start",
        message: error instanceof ApiError ? (error.detail ?? error.title) : String(error),
      }),
  });
  const connect = useMutation({
    mutationFn: () => connectToMicrosoft(accountId),
    onError: (error) =>
      notifications.show({
        color: "red",
        title: "Could not start",
        message: error instanceof ApiError ? (error.detail ?? error.title) : String(error),
      }),
  });
  const disconnect = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/accounts/{accountId}/microsoft/disconnect", { params: { path: { accountId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: microsoftKeys.connection(accountId) }),
  });
  if (connection.isPending) return <Loader size="sm" />;
  if (connection.isError)
    return <Alert color="red">Could not load the connection: {connection.error.message}</Alert>;
  const c = connection.data;
  return (
    <Stack>
      {c.status === "connected" ? (
        <Alert
          color="green"
          icon={<IconCircleCheck />}
          title="Connection of your Microsoft 365 Account is successful!"
        >
          <Text size="sm">
            Account: <b>{c.adminUpn}</b> · Tenant domain:{" "}
            <b data-testid="linked-tenant-domain">{c.tenantDomain}</b>
          </Text>
          <Text size="xs" c="dimmed">
            Connected {c.connectedAt ? new Date(c.connectedAt).toLocaleString() : ""}
          </Text>
        </Alert>
      ) : (
        <Alert
          color="yellow"
          title={
            c.status === "disconnected"
              ? "Disconnected from Microsoft Teams"
              : "Not connected to Microsoft Teams yet"
          }
        >
          A Microsoft 365 Global Admin of the customer clicks Connect to Microsoft Teams, signs in at
          Microsoft and accepts the permissions. It takes about 5 minutes.
          {c.status === "disconnected" && (
            <Text size="sm" mt="xs">
              Linked tenant: <b data-testid="linked-tenant-domain">{c.tenantDomain}</b> (only a Global Admin
              of this tenant can connect it again).
            </Text>
          )}
        </Alert>
      )}
      <Group>
        <Button onClick={() => connect.mutate()} loading={connect.isPending}>
          {c.status === "connected" ? "Reconnect" : "Connect to Microsoft Teams"}
        </Button>
        {c.status === "connected" && (
          <Button
            variant="default"
            color="red"
            onClick={() => disconnect.mutate()}
            loading={disconnect.isPending}
          >
            Disconnect
          </Button>
        )}
        {isAdmin && c.status !== "not-connected" && (
          <Button variant="subtle" color="red" onClick={() => setConfirmReplace(true)}>
            Connect a different Microsoft 365 tenant
          </Button>
        )}
      </Group>
      <Modal
        opened={confirmReplace}
        onClose={() => setConfirmReplace(false)}
        title="Connect a different Microsoft 365 tenant?"
      >
        <Stack>
          <Text size="sm">
            This enterprise is linked to <b>{c.tenantDomain}</b>. A Global Admin of the other tenant signs in
            at Microsoft and accepts the permissions; the enterprise then works with that tenant instead.
          </Text>
          <Text size="sm">
            The request is recorded in the audit log, and the enterprise's Admins are emailed when the tenant
            changes.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmReplace(false)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => replace.mutate()} loading={replace.isPending}>
              Connect a different tenant
            </Button>
          </Group>
        </Stack>
      </Modal>
      {managedFromAbove && c.status !== "connected" && <AuthorizationRequestForm accountId={accountId} />}
    </Stack>
  );
}

function AuthorizationRequestForm({ accountId }: { accountId: string }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const errors = useApiErrors(["email", "name"]);
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/accounts/{accountId}/microsoft/authorization-requests", {
          params: { path: { accountId } },
          body: { email, name },
        }),
      ),
    onMutate: () => errors.clear(),
    onSuccess: () =>
      notifications.show({
        color: "green",
        title: "Sent",
        message: `Authorization request emailed to ${email}.`,
      }),
    onError: (error) => errors.show(error),
  });
  return (
    <Card withBorder>
      <Text fw={500} mb="xs">
        Email the customer an authorization request
      </Text>
      <Group align="flex-end">
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.fieldErrors.name}
        />
        <TextInput
          label="Email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={errors.fieldErrors.email}
        />
        <Button variant="light" onClick={() => send.mutate()} loading={send.isPending}>
          Send authorization request
        </Button>
      </Group>
      {errors.formError && (
        <Text c="red" size="sm">
          {errors.formError}
        </Text>
      )}
    </Card>
  );
}

/** The Teams icon › Authorization page. */
export function AuthorizationPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  return (
    <Stack maw={760}>
      <Title order={2}>Microsoft 365 authorization</Title>
      <MicrosoftConnectionCard accountId={accountId} />
    </Stack>
  );
}
