import { Stack, Text, Title } from "@mantine/core";

export function TrunksPage() {
  return (
    <Stack>
      <Title order={2}>Trunks</Title>
      <Text c="dimmed">Trunk profiles are not available in this build yet.</Text>
    </Stack>
  );
}
