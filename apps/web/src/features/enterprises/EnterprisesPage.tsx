import { Stack, Text, Title } from "@mantine/core";

export function EnterprisesPage() {
  return (
    <Stack>
      <Title order={2}>Enterprises</Title>
      <Text c="dimmed">Customer onboarding is not available in this build yet.</Text>
    </Stack>
  );
}
