import { ActionIcon, Badge, Menu, Tooltip } from "@mantine/core";
import { IconDots } from "@tabler/icons-react";
import { Link } from "@tanstack/react-router";
import { type ReactNode, useState } from "react";
import type { TeamsUserRow, UserAction } from "./api";
import classes from "./UsersTable.module.css";

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

/**
 * One synced Teams user on the Users page, with its provisioning and row actions. Plain elements styled by
 * `UsersTable.module.css`, Mantine components only where a row needs one (badges, the actions button).
 */
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
    <tr className={classes.row} data-testid={`user-row-${row.userPrincipalName}`}>
      <td className={classes.cell}>
        {p ? (
          <Link
            className={classes.name}
            to="/a/$accountId/users/$userId"
            params={{ accountId: props.accountId, userId: p.id }}
          >
            {name}
          </Link>
        ) : (
          <div className={classes.name}>{name}</div>
        )}
        <div className={classes.address}>{row.userPrincipalName}</div>
        {!row.eligible && (
          <Badge color="gray" variant="light" size="xs">
            {row.ineligibleReason ?? "Not eligible"}
          </Badge>
        )}
      </td>
      <td className={classes.cell}>{p?.sipUser ?? ""}</td>
      <td className={classes.cell} data-testid="phone-number">
        {/* Disable Calling releases the number in Microsoft 365: shown only while calling is on. */}
        {p && (calling?.label === "Enabled" || calling?.label === "Enabling") ? p.phoneNumber : ""}
      </td>
      <td className={classes.cell}>{p?.regionName ?? ""}</td>
      <td className={classes.cell}>
        {calling ? (
          <div
            className={classes.calling}
            data-enabled={calling.label === "Enabled" || undefined}
            title="As read back from Microsoft Teams"
          >
            {calling.label}
          </div>
        ) : null}
      </td>
      <td className={classes.cell}>
        {p && (
          <WithErrorTooltip error={p.lastError}>
            <Badge color={p.cleanupRequired ? "orange" : statusColor[p.status]} variant="light">
              {p.cleanupRequired ? "Removed in Microsoft 365: remove" : statusLabel[p.status]}
            </Badge>
          </WithErrorTooltip>
        )}
        {p?.lastError && <div className={classes.error}>{p.lastError}</div>}
      </td>
      <td className={classes.cell}>
        {p && calling && (
          <RowActionsMenu label={`Actions for ${row.userPrincipalName}`}>
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
          </RowActionsMenu>
        )}
      </td>
    </tr>
  );
}

/** The provisioning error as a tooltip; no tooltip (and no positioning work) for the rows without one. */
function WithErrorTooltip({ error, children }: { error: string | null | undefined; children: ReactNode }) {
  if (!error) return children;
  return (
    <Tooltip label={error} multiline w={320}>
      {children}
    </Tooltip>
  );
}

/**
 * A row's actions. The menu is mounted on the first click: a page of rows would otherwise set up fifty menus
 * (each with its floating-ui positioning) before the Users page can be used.
 */
function RowActionsMenu({ label, children }: { label: string; children: ReactNode }) {
  const [opened, setOpened] = useState(false);
  const [mounted, setMounted] = useState(false);
  const button = (
    <ActionIcon
      variant="subtle"
      aria-label={label}
      onClick={
        mounted
          ? undefined
          : () => {
              setMounted(true);
              setOpened(true);
            }
      }
    >
      <IconDots size={16} />
    </ActionIcon>
  );
  if (!mounted) return button;
  return (
    <Menu position="bottom-end" withinPortal opened={opened} onChange={setOpened}>
      <Menu.Target>{button}</Menu.Target>
      <Menu.Dropdown>{children}</Menu.Dropdown>
    </Menu>
  );
}
