import { and, count, eq, sql } from "drizzle-orm";
import type { ActionItem, DashboardContributor } from "../dashboard/service.js";
import { provisionedUsers, teamsUserSyncs } from "./schema.js";

const below = (path: string) =>
  sql`${provisionedUsers.enterpriseAccountId} in (select id from accounts where path like ${`${path}%`})`;

/** "Users with calling enabled", and the Teams Connector Admin Action Items of user provisioning. */
export const teamsUsersDashboard: DashboardContributor = {
  async counts(db, account) {
    const [enabled] = await db
      .select({ n: count() })
      .from(provisionedUsers)
      .where(
        and(
          below(account.path),
          eq(provisionedUsers.callingEnabled, true),
          eq(provisionedUsers.status, "done"),
        ),
      );
    return [{ key: "calling-enabled-users", label: "Users with calling enabled", value: enabled?.n ?? 0 }];
  },
  async actionItems(db, account) {
    const items: ActionItem[] = [];
    const [stats] = await db
      .select({
        pendingConsent: sql<number>`count(*) filter (where ${provisionedUsers.status} = 'pending-consent')::int`,
        failed: sql<number>`count(*) filter (where ${provisionedUsers.status} = 'failed')::int`,
        cleanup: sql<number>`count(*) filter (where ${provisionedUsers.cleanupRequired})::int`,
      })
      .from(provisionedUsers)
      .where(below(account.path));
    if (account.kind === "enterprise") {
      const connected = await db.execute<{ ok: boolean }>(
        sql`select true as ok from microsoft_connections where enterprise_account_id = ${account.id} and status = 'connected'`,
      );
      if (connected.rows.length > 0) {
        const [sync] = await db
          .select()
          .from(teamsUserSyncs)
          .where(eq(teamsUserSyncs.enterpriseAccountId, account.id));
        const running = sync?.status === "queued" || sync?.status === "running";
        if (!running) {
          items.push({
            key: "sync-teams-users",
            severity: "info",
            title: "Sync your Teams users",
            description: sync?.finishedAt
              ? `Last synced ${sync.finishedAt.toISOString().slice(0, 16).replace("T", " ")} UTC. Sync to pick up new or changed users.`
              : "Bring your Microsoft Teams users into the portal so you can add them.",
            href: "/users/sync",
            actionLabel: "Sync Teams Users",
          });
        }
      }
      if ((stats?.pendingConsent ?? 0) > 0) {
        items.push({
          key: "users-pending-consent",
          severity: "warning",
          title: `${stats!.pendingConsent} user(s) wait for Microsoft consent`,
          description:
            "Connect to Microsoft Teams as a Global Administrator; provisioning completes once consent exists.",
          href: "/users",
          actionLabel: "View users",
        });
      }
    }
    if ((stats?.failed ?? 0) > 0) {
      items.push({
        key: "users-provisioning-failed",
        severity: "error",
        title: `Provisioning failed for ${stats!.failed} user(s)`,
        description: "Open the Users page to see the last error and retry.",
        href: account.kind === "enterprise" ? "/users" : "/enterprises",
        actionLabel: "View users",
      });
    }
    if ((stats?.cleanup ?? 0) > 0) {
      items.push({
        key: "users-cleanup",
        severity: "warning",
        title: `${stats!.cleanup} user(s) were removed from Microsoft 365`,
        description: "Their provisioning needs cleanup: remove them from the Users page.",
        href: account.kind === "enterprise" ? "/users" : "/enterprises",
        actionLabel: "View users",
      });
    }
    return items;
  },
};
