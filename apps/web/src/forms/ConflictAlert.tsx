import { Alert, Button, Group, Text } from "@mantine/core";

/**
 * Shown instead of overwriting when a save found the resource changed by someone else (412): their change
 * stays; Reload shows it, and the user makes their edit again on top of it.
 */
export function ConflictAlert({
  message,
  onReload,
  reloading = false,
}: {
  message: string | null;
  onReload: () => void;
  reloading?: boolean;
}) {
  if (!message) return null;
  return (
    <Alert color="orange" title="Changed by someone else" data-testid="edit-conflict">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm">{message}</Text>
        <Button size="xs" variant="white" color="orange" onClick={onReload} loading={reloading}>
          Reload
        </Button>
      </Group>
    </Alert>
  );
}
