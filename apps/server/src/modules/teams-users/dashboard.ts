import type { Database } from "../../db/client.js";
import type { ActionItem, DashboardContributor } from "../dashboard/index.js";
import { connectedTenant } from "../microsoft/index.js";
import { tenantScope } from "../tenancy/index.js";
import { directoryRepository } from "./directory/repository.js";
import { usersRepository } from "./users/repository.js";

/** "Users with calling enabled", and the Teams Connector Admin Action Items of user provisioning. */
export const teamsUsersDashboard: DashboardContributor = {
  async counts(db, account) {
    const enabled = await usersRepository(db).countCallingEnabled(tenantScope(account));
    return [{ key: "calling-enabled-users", label: "Users with calling enabled", value: enabled }];
  },
  async actionItems(db, account) {
    const items: ActionItem[] = [];
    const scope = tenantScope(account);
    const stats = await usersRepository(db).countAttention(scope);
    if (account.kind === "enterprise") {
      // The dashboard passes its executor; connectedTenant only reads.
      if (await connectedTenant(db as Database, account.id)) {
        const sync = await directoryRepository(db).syncState(scope);
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
      if (stats.pendingConsent > 0) {
        items.push({
          key: "users-pending-consent",
          severity: "warning",
          title: `${stats.pendingConsent} user(s) wait for Microsoft consent`,
          description:
            "Connect to Microsoft Teams as a Global Administrator; provisioning completes once consent exists.",
          href: "/users",
          actionLabel: "View users",
        });
      }
    }
    if (stats.failed > 0) {
      items.push({
        key: "users-provisioning-failed",
        severity: "error",
        title: `Provisioning failed for ${stats.failed} user(s)`,
        description: "Open the Users page to see the last error and retry.",
        href: account.kind === "enterprise" ? "/users" : "/enterprises",
        actionLabel: "View users",
      });
    }
    if (stats.cleanup > 0) {
      items.push({
        key: "users-cleanup",
        severity: "warning",
        title: `${stats.cleanup} user(s) were removed from Microsoft 365`,
        description: "Their provisioning needs cleanup: remove them from the Users page.",
        href: account.kind === "enterprise" ? "/users" : "/enterprises",
        actionLabel: "View users",
      });
    }
    return items;
  },
};
