import { ActionIcon, Menu, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconBrandTeams, IconLink, IconShieldCheck, IconUserSearch } from "@tabler/icons-react";
import { useNavigate } from "@tanstack/react-router";
import { ApiError } from "../../api/client";
import { connectToMicrosoft, useActingAccount } from "./useActingAccount";

function showStartFailure(error: unknown) {
  notifications.show({
    color: "red",
    title: "Could not start the authorization",
    message:
      error instanceof ApiError ? (error.detail ?? error.title) : "Check your connection and try again.",
  });
}

/** The Microsoft Teams icon (top right): "Connect to Microsoft Teams", "Use another Microsoft account" and "Authorization page". */
export function TeamsMenu({ accountId }: { accountId: string }) {
  const navigate = useNavigate();
  const acting = useActingAccount(accountId);
  const isEnterprise = acting.data?.account.kind === "enterprise";
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
        <Menu.Label>{isEnterprise ? "Microsoft Teams" : "Open an enterprise to connect it"}</Menu.Label>
        <Menu.Item
          leftSection={<IconLink size={16} />}
          disabled={!isEnterprise}
          onClick={() => connectToMicrosoft(accountId).catch(showStartFailure)}
        >
          Connect to Microsoft Teams
        </Menu.Item>
        <Menu.Item
          leftSection={<IconUserSearch size={16} />}
          disabled={!isEnterprise}
          onClick={() => connectToMicrosoft(accountId, { anotherAccount: true }).catch(showStartFailure)}
        >
          Use another Microsoft account
        </Menu.Item>
        <Menu.Item
          leftSection={<IconShieldCheck size={16} />}
          disabled={!isEnterprise}
          onClick={() => navigate({ to: "/a/$accountId/microsoft", params: { accountId } })}
        >
          Authorization page
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
