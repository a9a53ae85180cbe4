import { ActionIcon, Anchor, Badge, Menu, Table, Text, Tooltip } from "@mantine/core";
import { IconDots } from "@tabler/icons-react";
import { Link } from "@tanstack/react-router";
import type { TeamsUserRow, UserAction } from "./api";

const statusColor = {
  "pending-consent": "yellow",
  queued: "blue",
  running: "blue",
  done: "green",
  failed: "red",
} as const;
const statusLabel = {
  "pending-consent": "Waiting for consent",
  queued: "Queued",
  running: "Provisioning",
  done: "Done",
  failed: "Failed",
} as const;

type Provisioned = NonNullable<TeamsUserRow["provisioned"]>;

/** The calling state as read back from Microsoft (Enterprise Voice), while no change is on its way. */
function callingOf(p: Provisioned) {
  const busy = ["queued", "running", "pending-consent"].includes(p.status);
  const observed = p.observedVoiceEnabled ?? p.callingEnabled;
  const enabled = !p.deleting && (busy ? p.callingEnabled : observed);
  const label = p.deleting
    ? "Removing"
    : busy
      ? // Waiting for consent shows once, in Last provisioning.
        p.callingEnabled
        ? "Enabling"
        : "Disabling"
      : observed
        ? "Enabled"
        : "Disabled";
  return { enabled, label };
}

/** One synced Teams user on the Users page, with its provisioning and row actions. */
export function UserRow(props: {
  accountId: string;
  row: TeamsUserRow;
  onAction: (userId: string, action: UserAction) => void;
}) {
  const { row } = props;
  const p = row.provisioned;
  const calling = p ? callingOf(p) : null;
  const name = row.displayName || row.userPrincipalName;
  return (
    <Table.Tr data-testid={`user-row-${row.userPrincipalName}`}>
      <Table.Td>
        {p ? (
          <Anchor
            size="sm"
            fw={500}
            renderRoot={(rootProps) => (
              <Link
                {...rootProps}
                to="/a/$accountId/users/$userId"
                params={{ accountId: props.accountId, userId: p.id }}
              />
            )}
          >
            {name}
          </Anchor>
        ) : (
          <Text size="sm" fw={500}>
            {name}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          {row.userPrincipalName}
        </Text>
        {!row.eligible && (
          <Badge color="gray" variant="light" size="xs">
            {row.ineligibleReason ?? "Not eligible"}
          </Badge>
        )}
      </Table.Td>
      <Table.Td>{p?.sipUser ?? ""}</Table.Td>
      <Table.Td data-testid="phone-number">
        {/* Disable Calling releases the number in Microsoft 365: shown only while calling is on. */}
        {p && (calling?.label === "Enabled" || calling?.label === "Enabling") ? p.phoneNumber : ""}
      </Table.Td>
      <Table.Td>{p?.regionName ?? ""}</Table.Td>
      <Table.Td>
        {calling ? (
          <Text
            size="sm"
            fw={600}
            c={calling.label === "Enabled" ? "green" : "dimmed"}
            style={{ whiteSpace: "nowrap" }}
            title="As read back from Microsoft Teams"
          >
            {calling.label}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        {p && (
          <Tooltip label={p.lastError ?? ""} disabled={!p.lastError} multiline w={320}>
            <Badge color={p.cleanupRequired ? "orange" : statusColor[p.status]} variant="light">
              {p.cleanupRequired ? "Removed in Microsoft 365: remove" : statusLabel[p.status]}
            </Badge>
          </Tooltip>
        )}
        {p?.lastError && (
          <Text size="xs" c="red" lineClamp={2}>
            {p.lastError}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {p && calling && (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" aria-label={`Actions for ${row.userPrincipalName}`}>
                <IconDots size={16} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              {calling.enabled ? (
                <Menu.Item onClick={() => props.onAction(p.id, "disable")}>Disable Calling</Menu.Item>
              ) : (
                <Menu.Item onClick={() => props.onAction(p.id, "enable")} disabled={p.deleting}>
                  Enable Calling
                </Menu.Item>
              )}
              {p.status === "failed" && (
                <Menu.Item onClick={() => props.onAction(p.id, "retry")}>Retry</Menu.Item>
              )}
              <Menu.Item color="red" onClick={() => props.onAction(p.id, "remove")}>
                Remove user
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
