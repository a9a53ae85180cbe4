import { Text } from "@mantine/core";
import type { TeamsUsersPage } from "./api";

type Sync = NonNullable<TeamsUsersPage["sync"]>;

export const isSyncing = (sync: Sync | null | undefined) =>
  sync?.status === "queued" || sync?.status === "running";

/** The last or running Teams users sync, in one line under the title. */
export function SyncStatusText({ sync }: { sync: Sync }) {
  return (
    <Text size="sm" c="dimmed" data-testid="sync-status">
      {isSyncing(sync)
        ? `Syncing Teams users… ${sync.pages} page(s), ${sync.usersSeen} user(s)`
        : sync.status === "failed"
          ? `Last sync failed: ${sync.lastError ?? "unknown error"}`
          : sync.status === "completed"
            ? `Last sync ${new Date(sync.finishedAt ?? "").toLocaleString()}: ${sync.pages} page(s), ${sync.usersSeen} user(s) (${sync.added} new, ${sync.updated} updated, ${sync.removed} removed)`
            : null}
    </Text>
  );
}
