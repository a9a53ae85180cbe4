import { Button, Group } from "@mantine/core";

/** The Cancel and Save buttons at the foot of a form in a modal; Save submits the form. */
export function FormActions({ onCancel, busy }: { onCancel: () => void; busy: boolean }) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" loading={busy}>
        Save
      </Button>
    </Group>
  );
}
