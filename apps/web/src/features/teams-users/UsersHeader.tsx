import { Button, Group, Title } from "@mantine/core";
import { IconDownload, IconPlus, IconRefresh, IconUpload } from "@tabler/icons-react";
import { Link } from "@tanstack/react-router";

/** The Users title with Sync Teams Users, Export CSV (of what is shown), Import CSV and Add User. */
export function UsersHeader(props: {
  accountId: string;
  exportHref: string;
  syncing: boolean;
  syncDisabled: boolean;
  onSync: () => void;
}) {
  const params = { accountId: props.accountId };
  return (
    <Group justify="space-between">
      <Title order={2}>Users</Title>
      <Group>
        <Button
          variant="default"
          leftSection={<IconRefresh size={16} />}
          loading={props.syncing}
          disabled={props.syncDisabled}
          onClick={props.onSync}
        >
          Sync Teams Users
        </Button>
        <Button
          variant="default"
          leftSection={<IconDownload size={16} />}
          component="a"
          href={props.exportHref}
        >
          Export CSV
        </Button>
        <Button
          variant="default"
          leftSection={<IconUpload size={16} />}
          renderRoot={(rootProps) => <Link {...rootProps} to="/a/$accountId/users/import" params={params} />}
        >
          Import CSV
        </Button>
        <Button
          leftSection={<IconPlus size={16} />}
          renderRoot={(rootProps) => <Link {...rootProps} to="/a/$accountId/users/add" params={params} />}
        >
          Add User
        </Button>
      </Group>
    </Group>
  );
}
