import { Alert, Button, Group, Text } from "@mantine/core";
import { IconClock } from "@tabler/icons-react";

export interface MicrosoftWaitView {
  what: string;
  since: string;
  usualDelaySeconds: number;
  maxDelaySeconds: number;
  nextCheckAt: string;
}

/** "2 h", "30 min", "45 s": Microsoft's delays at the scale they are published. */
export function formatDelay(seconds: number): string {
  if (seconds >= 3600) return `${Math.round(seconds / 360) / 10} h`;
  if (seconds >= 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.max(0, Math.round(seconds))} s`;
}

const time = (iso: string) => new Date(iso).toLocaleString();

/**
 * A step Microsoft has to finish on its own: what is awaited, since when, Microsoft's usual and maximum delay,
 * when the portal checks next, and "Check now" for those who may run the setup.
 */
export function WaitingForMicrosoft({
  wait,
  onCheckNow,
  checking,
}: {
  wait: MicrosoftWaitView;
  onCheckNow?: () => void;
  checking?: boolean;
}) {
  return (
    <Alert color="yellow" icon={<IconClock />} mt={4} p="xs" data-testid="waiting-for-microsoft">
      <Text size="sm" fw={500}>
        Waiting for Microsoft: {wait.what}
      </Text>
      <Text size="xs">
        Since {time(wait.since)}. Usually takes {formatDelay(wait.usualDelaySeconds)}, at most{" "}
        {formatDelay(wait.maxDelaySeconds)}. Next check {time(wait.nextCheckAt)}.
      </Text>
      {onCheckNow && (
        <Group mt={4}>
          <Button size="xs" variant="default" onClick={onCheckNow} loading={checking}>
            Check now
          </Button>
        </Group>
      )}
    </Alert>
  );
}
