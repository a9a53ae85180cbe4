import { ActionIcon, Menu, Tooltip } from "@mantine/core";
import { IconBrandTeams } from "@tabler/icons-react";

/** The Microsoft Teams icon (top right). Its items are filled in by the Microsoft connection feature. */
export function TeamsMenu(_props: { accountId: string }) {
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <Tooltip label="Microsoft Teams">
          <ActionIcon variant="light" size="lg" aria-label="Microsoft Teams">
            <IconBrandTeams size={20} />
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Microsoft Teams</Menu.Label>
      </Menu.Dropdown>
    </Menu>
  );
}
