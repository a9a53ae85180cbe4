import { Badge, Group, Text } from "@mantine/core";
import { useSession } from "../../app/session";

/** The multitenant menu: the acting account's name; identity work adds switching. */
export function AccountSwitcher({ accountId }: { accountId: string }) {
  const { data: session } = useSession();
  if (!session) return null;
  const own = session.account.id === accountId;
  return (
    <Group gap="xs">
      <Text fw={500}>{session.account.name}</Text>
      {!own && <Badge color="orange">Acting in another account</Badge>}
    </Group>
  );
}
