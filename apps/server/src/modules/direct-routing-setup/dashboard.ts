import { and, count, eq, inArray, isNull, or } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import type { ActionItem, DashboardContributor } from "../dashboard/index.js";
import { type EnterpriseProgress, type EnterpriseProgressReader, enterprises } from "../enterprises/index.js";
import { microsoftConnections } from "../microsoft/index.js";
import { teamsProfiles } from "../teams-profiles/index.js";
import { accounts, type TenantScope, tenantScope, withinScope } from "../tenancy/index.js";
import { trunkProfiles } from "../trunks/index.js";
import { directRoutingSetups } from "./schema.js";

const LIMIT = 5;

/**
 * The onboarding progress of enterprises (trunk, connection, setup), read across the onboarding modules;
 * it lives here, in the highest of them. The enterprise list is given `enterpriseProgress` by the
 * composition root.
 */
export function enterpriseProgressReader(db: Executor): EnterpriseProgressReader {
  return async (scope: TenantScope, enterpriseAccountIds: string[]) => {
    if (enterpriseAccountIds.length === 0) return new Map();
    const rows = await db
      .select({
        id: accounts.id,
        trunkFqdn: trunkProfiles.fqdn,
        connectionStatus: microsoftConnections.status,
        tenantDomain: microsoftConnections.tenantDomain,
        setupStatus: directRoutingSetups.status,
      })
      .from(accounts)
      .leftJoin(trunkProfiles, eq(trunkProfiles.enterpriseAccountId, accounts.id))
      .leftJoin(microsoftConnections, eq(microsoftConnections.enterpriseAccountId, accounts.id))
      .leftJoin(directRoutingSetups, eq(directRoutingSetups.enterpriseAccountId, accounts.id))
      .where(and(inArray(accounts.id, enterpriseAccountIds), withinScope(scope, accounts.id)));
    return new Map(
      rows.map((r): [string, EnterpriseProgress] => [
        r.id,
        {
          trunkFqdn: r.trunkFqdn ?? null,
          microsoftConnection: r.connectionStatus ?? "not-connected",
          tenantDomain: r.connectionStatus === "connected" ? (r.tenantDomain ?? null) : null,
          setupStatus: r.setupStatus ?? null,
        },
      ]),
    );
  };
}

/** Onboarding counts and action items for the account and everything below it. */
export const onboardingDashboard: DashboardContributor = {
  async counts(db, account) {
    const inScope = withinScope(tenantScope(account), accounts.id);
    const [trunks] = await db
      .select({ n: count() })
      .from(trunkProfiles)
      .innerJoin(accounts, eq(accounts.id, trunkProfiles.enterpriseAccountId))
      .where(inScope);
    const [teams] = await db
      .select({ n: count() })
      .from(teamsProfiles)
      .innerJoin(accounts, eq(accounts.id, teamsProfiles.enterpriseAccountId))
      .where(inScope);
    const [connected] = await db
      .select({ n: count() })
      .from(microsoftConnections)
      .innerJoin(accounts, eq(accounts.id, microsoftConnections.enterpriseAccountId))
      .where(and(inScope, eq(microsoftConnections.status, "connected")));
    return [
      { key: "trunk-profiles", label: "Trunk profiles", value: trunks?.n ?? 0 },
      { key: "teams-profiles", label: "Teams profiles", value: teams?.n ?? 0 },
      { key: "connected-tenants", label: "Connected tenants", value: connected?.n ?? 0 },
    ];
  },

  async actionItems(db, account) {
    const inScope = withinScope(tenantScope(account), accounts.id);
    const own = account.kind === "enterprise";
    const items: ActionItem[] = [];

    const pending = await db
      .select({ id: accounts.id, name: accounts.name })
      .from(accounts)
      .innerJoin(enterprises, eq(enterprises.accountId, accounts.id))
      .leftJoin(microsoftConnections, eq(microsoftConnections.enterpriseAccountId, accounts.id))
      .where(
        and(
          inScope,
          eq(enterprises.lifecycle, "active"),
          or(isNull(microsoftConnections.status), eq(microsoftConnections.status, "disconnected")),
        ),
      )
      .limit(LIMIT);
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

    const unfinished = await db
      .select({ id: accounts.id, name: accounts.name, trunk: trunkProfiles.id, teams: teamsProfiles.id })
      .from(accounts)
      .innerJoin(enterprises, eq(enterprises.accountId, accounts.id))
      .leftJoin(trunkProfiles, eq(trunkProfiles.enterpriseAccountId, accounts.id))
      .leftJoin(teamsProfiles, eq(teamsProfiles.enterpriseAccountId, accounts.id))
      .where(
        and(
          inScope,
          eq(enterprises.lifecycle, "active"),
          or(isNull(trunkProfiles.id), isNull(teamsProfiles.id)),
        ),
      )
      .limit(LIMIT);
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
