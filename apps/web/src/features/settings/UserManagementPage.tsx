import { Stack, Text, Title } from "@mantine/core";

export function UserManagementPage() {
  return (
    <Stack>
      <Title order={2}>User Management</Title>
      <Text c="dimmed">User management is not available in this build yet.</Text>
    </Stack>
  );
}
