import { Alert, Button, Code, CopyButton, Group, Stack, Text } from "@mantine/core";

/** The signing secret, shown this once with a copy button. */
export function SecretOnce(props: { secret: string; onDone(): void }) {
  return (
    <Stack>
      <Alert color="yellow" title="Copy the signing secret now">
        This is the only time the secret is shown. Your receiver verifies each delivery's{" "}
        <Code>webhook-signature</Code> with it (Standard Webhooks). If it is lost, rotate it.
      </Alert>
      <Code block data-testid="webhook-secret">
        {props.secret}
      </Code>
      <Text size="sm" c="dimmed">
        See docs/webhooks.md for a verification example.
      </Text>
      <Group justify="flex-end">
        <CopyButton value={props.secret}>
          {({ copied, copy }) => (
            <Button variant="light" color={copied ? "green" : undefined} onClick={copy}>
              {copied ? "Copied" : "Copy secret"}
            </Button>
          )}
        </CopyButton>
        <Button onClick={props.onDone}>Done</Button>
      </Group>
    </Stack>
  );
}
