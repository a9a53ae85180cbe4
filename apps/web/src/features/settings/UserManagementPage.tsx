import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Menu,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDots, IconUserPlus } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { ApiError, api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useSession } from "../../app/session";
import { FormActions, useApiForm } from "../../forms";
import { settingsKeys, settingsQueries } from "./api";

type PortalUser = components["schemas"]["PortalUser"];
type Role = PortalUser["role"];
const ROLES: { value: Role; label: string; description: string }[] = [
  { value: "Admin", label: "Admin", description: "Full access, including User Management." },
  { value: "User", label: "User", description: "Full read and write access, but cannot manage users." },
  { value: "Read-only", label: "Read-only", description: "Sees everything, changes nothing." },
];
const statusColor = { active: "green", invited: "blue", disabled: "gray" } as const;

/** Settings › User Management (Admins): the users of the acting account. */
export function UserManagementPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const { data: session } = useSession();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const users = useQuery({
    ...settingsQueries.portalUsers(accountId),
    enabled: session?.user.role === "Admin",
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: settingsKeys.portalUsers(accountId) });
  const notifyError = (error: unknown) =>
    notifications.show({
      color: "red",
      title: "Not changed",
      message:
        error instanceof ApiError ? (error.errors[0]?.message ?? error.message) : "Something went wrong.",
    });

  const update = useMutation({
    mutationFn: (input: { userId: string; body: { role?: Role; status?: "active" | "disabled" } }) =>
      unwrap(
        api.PATCH("/api/accounts/{accountId}/users/{userId}", {
          params: { path: { accountId, userId: input.userId } },
          body: input.body,
        }),
      ),
    onSuccess: refresh,
    onError: notifyError,
  });
  const remove = useMutation({
    mutationFn: (userId: string) =>
      unwrap(
        api.DELETE("/api/accounts/{accountId}/users/{userId}", { params: { path: { accountId, userId } } }),
      ),
    onSuccess: refresh,
    onError: notifyError,
  });
  const resend = useMutation({
    mutationFn: (userId: string) =>
      unwrap(
        api.POST("/api/accounts/{accountId}/users/{userId}/resend-invitation", {
          params: { path: { accountId, userId } },
        }),
      ),
    onSuccess: (user) =>
      notifications.show({ color: "green", message: `A new activation email was sent to ${user.email}.` }),
    onError: notifyError,
  });

  const endSessions = useMutation({
    mutationFn: (user: PortalUser) =>
      unwrap(
        api.POST("/api/accounts/{accountId}/users/{userId}/sessions/end-all", {
          params: { path: { accountId, userId: user.id } },
        }),
      ),
    onSuccess: (result, user) =>
      notifications.show({
        color: "green",
        message: `${user.name} was signed out everywhere (${result.endedSessions} session${result.endedSessions === 1 ? "" : "s"} ended).`,
      }),
    onError: notifyError,
  });

  if (session && session.user.role !== "Admin") {
    return (
      <Stack>
        <Title order={2}>User Management</Title>
        <Alert color="yellow">
          Only Admins can manage users. Ask an Admin of your account to invite colleagues or change roles.
        </Alert>
      </Stack>
    );
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>User Management</Title>
        <Button leftSection={<IconUserPlus size={16} />} onClick={() => setAdding(true)}>
          Add User
        </Button>
      </Group>
      {users.isError && <Alert color="red">Could not load the users: {users.error.message}</Alert>}
      <Table striped highlightOnHover aria-label="Users">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Email</Table.Th>
            <Table.Th>User Role</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {users.data?.items.map((user) => (
            <Table.Tr key={user.id} data-testid={`user-${user.email}`}>
              <Table.Td>{user.name}</Table.Td>
              <Table.Td>{user.email}</Table.Td>
              <Table.Td>
                <Select
                  aria-label={`Role of ${user.email}`}
                  size="xs"
                  w={130}
                  data={ROLES.map((r) => ({ value: r.value, label: r.label }))}
                  value={user.role}
                  allowDeselect={false}
                  onChange={(role) =>
                    role &&
                    role !== user.role &&
                    update.mutate({ userId: user.id, body: { role: role as Role } })
                  }
                />
              </Table.Td>
              <Table.Td>
                <Badge color={statusColor[user.status]} variant="light">
                  {user.status}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Menu position="bottom-end">
                  <Menu.Target>
                    <ActionIcon variant="subtle" aria-label={`Actions for ${user.email}`}>
                      <IconDots size={16} />
                    </ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    {user.status === "invited" && (
                      <Menu.Item onClick={() => resend.mutate(user.id)}>Resend invitation</Menu.Item>
                    )}
                    {user.status === "disabled" ? (
                      <Menu.Item
                        onClick={() => update.mutate({ userId: user.id, body: { status: "active" } })}
                      >
                        Enable
                      </Menu.Item>
                    ) : (
                      <Menu.Item
                        onClick={() => update.mutate({ userId: user.id, body: { status: "disabled" } })}
                      >
                        Disable
                      </Menu.Item>
                    )}
                    {user.status === "active" && (
                      <Menu.Item
                        onClick={() => {
                          if (
                            window.confirm(
                              `End all sessions of ${user.name} (${user.email})? They are signed out on every device and can sign in again.`,
                            )
                          )
                            endSessions.mutate(user);
                        }}
                      >
                        End all sessions
                      </Menu.Item>
                    )}
                    <Menu.Item
                      color="red"
                      onClick={() => {
                        if (
                          window.confirm(`Delete ${user.name} (${user.email})? They lose access immediately.`)
                        )
                          remove.mutate(user.id);
                      }}
                    >
                      Delete
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {users.data?.items.length === 0 && <Text c="dimmed">No users yet.</Text>}
      <AddUserModal
        accountId={accountId}
        opened={adding}
        onClose={() => setAdding(false)}
        onAdded={(user) => {
          setAdding(false);
          void refresh();
          notifications.show({ color: "green", message: `An activation email was sent to ${user.email}.` });
        }}
      />
    </Stack>
  );
}

function AddUserModal(props: {
  accountId: string;
  opened: boolean;
  onClose(): void;
  onAdded(user: PortalUser): void;
}) {
  const { form, formError, busy, onSubmit } = useApiForm({
    initialValues: { name: "", email: "", role: "User" as Role },
  });
  const role = form.getValues().role;
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Add User">
      <form
        onSubmit={onSubmit(async (values) => {
          const user = await unwrap(
            api.POST("/api/accounts/{accountId}/users", {
              params: { path: { accountId: props.accountId } },
              body: values,
            }),
          );
          form.reset();
          props.onAdded(user);
        })}
      >
        <Stack>
          {formError && <Alert color="red">{formError}</Alert>}
          <TextInput label="Name" {...form.getInputProps("name")} required />
          <TextInput label="Email" type="email" {...form.getInputProps("email")} required />
          <Select
            label="User Role"
            data={ROLES.map((r) => ({ value: r.value, label: r.label }))}
            {...form.getInputProps("role")}
            allowDeselect={false}
            description={ROLES.find((r) => r.value === role)?.description}
          />
          <FormActions onCancel={props.onClose} busy={busy} />
        </Stack>
      </form>
    </Modal>
  );
}
