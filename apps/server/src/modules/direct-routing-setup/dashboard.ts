import { and, eq, inArray, or } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import type { ActionItem, DashboardContributor } from "../dashboard/index.js";
import {
  type EnterpriseProgress,
  type EnterpriseProgressReader,
  enterprisesRepository,
} from "../enterprises/index.js";
import { connectionStatesOf, countConnectedTenants } from "../microsoft/index.js";
import { countTeamsProfiles, enterprisesWithTeamsProfile } from "../teams-profiles/index.js";
import { accounts, type TenantScope, tenantScope, withinScope } from "../tenancy/index.js";
import { countTrunkProfiles, trunkFqdnsOf } from "../trunks/index.js";
import { directRoutingSetups } from "./schema.js";

const LIMIT = 5;

/**
 * The onboarding progress of enterprises (trunk, connection, setup), read from the onboarding modules'
 * scoped reads; it lives here, in the highest of them. The enterprise list is given `enterpriseProgress` by
 * the composition root.
 */
export function enterpriseProgressReader(db: Executor): EnterpriseProgressReader {
  return async (scope: TenantScope, enterpriseAccountIds: string[]) => {
    if (enterpriseAccountIds.length === 0) return new Map();
    const [inScope, fqdns, connections, setups] = await Promise.all([
      db
        .select({ id: accounts.id })
        .from(accounts)
        .where(and(inArray(accounts.id, enterpriseAccountIds), withinScope(scope, accounts.id))),
      trunkFqdnsOf(db, scope, enterpriseAccountIds),
      connectionStatesOf(db, scope, enterpriseAccountIds),
      db
        .select({ id: directRoutingSetups.enterpriseAccountId, status: directRoutingSetups.status })
        .from(directRoutingSetups)
        .where(
          and(
            inArray(directRoutingSetups.enterpriseAccountId, enterpriseAccountIds),
            withinScope(scope, directRoutingSetups.enterpriseAccountId),
          ),
        ),
    ]);
    const setupStatus = new Map(setups.map((s) => [s.id, s.status]));
    return new Map(
      inScope.map(({ id }): [string, EnterpriseProgress] => {
        const connection = connections.get(id);
        return [
          id,
          {
            trunkFqdn: fqdns.get(id) ?? null,
            microsoftConnection: connection?.status ?? "not-connected",
            tenantDomain: connection?.status === "connected" ? connection.tenantDomain : null,
            setupStatus: setupStatus.get(id) ?? null,
          },
        ];
      }),
    );
  };
}

/** Onboarding counts and action items for the account and everything below it. */
export const onboardingDashboard: DashboardContributor = {
  async counts(db, account) {
    const scope = tenantScope(account);
    const [trunks, teams, connected] = await Promise.all([
      countTrunkProfiles(db, scope),
      countTeamsProfiles(db, scope),
      countConnectedTenants(db, scope),
    ]);
    return [
      { key: "trunk-profiles", label: "Trunk profiles", value: trunks },
      { key: "teams-profiles", label: "Teams profiles", value: teams },
      { key: "connected-tenants", label: "Connected tenants", value: connected },
    ];
  },

  async actionItems(db, account) {
    const scope = tenantScope(account);
    const inScope = withinScope(scope, accounts.id);
    const own = account.kind === "enterprise";
    const items: ActionItem[] = [];

    const active = await enterprisesRepository(db).listActive(scope);
    const ids = active.map((e) => e.id);
    const [connections, withTrunk, withTeams] = await Promise.all([
      connectionStatesOf(db, scope, ids),
      trunkFqdnsOf(db, scope, ids),
      enterprisesWithTeamsProfile(db, scope, ids),
    ]);

    const pending = active
      .filter((e) => (connections.get(e.id)?.status ?? "disconnected") === "disconnected")
      .slice(0, LIMIT);
    for (const e of pending) {
      items.push({
        key: `connect-${e.id}`,
        severity: "warning",
        title: "Connect to Microsoft Teams",
        description: own
          ? "Authorize the portal on your Microsoft 365 tenant (Global Admin needed)."
          : `${e.name} has not connected its Microsoft 365 tenant yet.`,
        href: own ? "/microsoft" : `/enterprises/${e.id}`,
        actionLabel: own ? "Connect to Microsoft Teams" : "Open enterprise",
      });
    }

    const unfinished = active
      .map((e) => ({ ...e, trunk: withTrunk.has(e.id), teams: withTeams.has(e.id) }))
      .filter((e) => !e.trunk || !e.teams)
      .slice(0, LIMIT);
    if (!own) {
      for (const e of unfinished) {
        const missing = [
          ...(e.trunk ? [] : ["the trunk profile"]),
          ...(e.teams ? [] : ["the Teams profile"]),
        ];
        items.push({
          key: `onboarding-${e.id}`,
          severity: "info",
          title: "Finish the onboarding",
          description: `${e.name}: add ${missing.join(" and ")}; the Direct Routing setup starts once they exist and the customer has connected.`,
          href: `/enterprises/${e.id}`,
          actionLabel: "Open enterprise",
        });
      }
    }

    const setups = await db
      .select({
        id: accounts.id,
        name: accounts.name,
        status: directRoutingSetups.status,
        lastError: directRoutingSetups.lastError,
      })
      .from(directRoutingSetups)
      .innerJoin(accounts, eq(accounts.id, directRoutingSetups.enterpriseAccountId))
      .where(
        and(inScope, or(eq(directRoutingSetups.status, "waiting"), eq(directRoutingSetups.status, "failed"))),
      )
      .limit(LIMIT * 2);
    for (const s of setups) {
      const failed = s.status === "failed";
      items.push({
        key: `${failed ? "setup-failed" : "dns"}-${s.id}`,
        severity: failed ? "error" : "info",
        title: failed ? "Direct Routing setup failed" : "DNS record to publish",
        description: `${s.name}: ${s.lastError ?? (failed ? "the setup stopped." : "publish the TXT record, then click Verify.")}`,
        href: own ? "/enterprise" : `/enterprises/${s.id}`,
        actionLabel: failed ? "Review setup" : "Show record",
      });
    }
    return items;
  },
};
