import { and, asc, eq, ilike, isNull, or, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "../../../db/client.js";
import { type TenantScope, withinScope } from "../../tenancy/index.js";
import { type ProvisionedUser, provisionedUsers, teamsUserSyncs, teamsUsers } from "../schema.js";

export type UserFilter =
  | "all"
  | "eligible"
  | "ineligible"
  | "provisioned"
  | "not-provisioned"
  | "calling-enabled"
  | "calling-disabled"
  | "pending"
  | "failed"
  | "removed";

export interface UserListQuery {
  search?: string;
  filter: UserFilter;
  page: number;
  pageSize: number;
}

/** A row of the Users page: the synced user and, when added, its provisioning (`p_id` null otherwise). */
export interface UserPageRow extends Record<string, unknown> {
  object_id: string;
  user_principal_name: string;
  display_name: string;
  eligible: boolean;
  ineligible_reason: string | null;
  removed_at: Date | string | null;
  p_id: string | null;
  pbx_location: string;
  sip_user: string;
  phone_number: string;
  region_id: string;
  region_name: string | null;
  calling_enabled: boolean;
  deleting: boolean;
  status: ProvisionedUser["status"];
  last_error: string | null;
  cleanup_required: boolean;
  last_run_at: Date | string | null;
  observed_voice_enabled: boolean | null;
}

/** Above this many matches a search reports "more than" instead of counting every one. */
export const SEARCH_COUNT_CAP = 1000;

export const escapeLike = (value: string) => value.replace(/[%_\\]/g, (c) => `\\${c}`);

const t = alias(teamsUsers, "t");
const p = alias(provisionedUsers, "p");

/** Conditions on provisioned users, evaluated once as a hashed subquery (never per synced user). */
function provisionedCondition(filter: UserFilter): SQL | null {
  switch (filter) {
    case "provisioned":
      return sql`true`;
    case "calling-enabled":
      return sql`p.calling_enabled and p.status = 'done'`;
    case "calling-disabled":
      return sql`not (p.calling_enabled and p.status = 'done')`;
    case "pending":
      return sql`p.status in ('pending-consent', 'queued', 'running')`;
    case "failed":
      return sql`(p.status = 'failed' or p.cleanup_required)`;
    default:
      return null;
  }
}

/** The Users page shows names (the address when there is none) and sorts by what it shows. */
const BY_SHOWN_NAME = sql`lower(coalesce(nullif(t.display_name, ''), t.user_principal_name)), lower(t.user_principal_name)`;

/** The synced Teams users of the scope (the enterprise's directory as Microsoft last reported it). */
export function directoryRepository(db: Executor) {
  return {
    /**
     * The Users page: searched, filtered and paged in SQL. Paging runs over teams_users alone (index on
     * lower(upn)); only the page's rows are joined to their provisioning.
     */
    async usersPage(scope: TenantScope, query: UserListQuery, tx: Executor = db) {
      const search = query.search?.trim().toLowerCase();
      const provisionedIn = withinScope(scope, p.enterpriseAccountId);
      const conditions: SQL[] = [withinScope(scope, t.enterpriseAccountId)];
      if (query.filter === "eligible") conditions.push(sql`t.eligible and t.removed_at is null`);
      if (query.filter === "ineligible") conditions.push(sql`not t.eligible`);
      if (query.filter === "removed") conditions.push(sql`t.removed_at is not null`);
      if (query.filter === "not-provisioned")
        conditions.push(
          sql`t.eligible and t.removed_at is null and t.object_id not in (select p.teams_user_object_id from provisioned_users p where ${provisionedIn})`,
        );
      const pCondition = provisionedCondition(query.filter);
      if (pCondition)
        conditions.push(
          sql`t.object_id in (select p.teams_user_object_id from provisioned_users p where ${provisionedIn} and ${pCondition})`,
        );
      const base = sql.join(conditions, sql` and `);
      let where = base;
      let total: number;
      let totalIsEstimate = false;
      if (search) {
        const digits = search.replace(/[^\d+]/g, "");
        const byNumber =
          digits.length >= 3 ? sql` or p.phone_number like ${`%${escapeLike(digits)}%`}` : sql``;
        const matchers = [
          sql`lower(t.user_principal_name) like ${`${escapeLike(search)}%`}`,
          sql`lower(t.display_name) like ${`%${escapeLike(search)}%`}`,
          sql`t.object_id in (select p.teams_user_object_id from provisioned_users p
            where ${provisionedIn} and (p.sip_user = ${search}${byNumber}))`,
        ];
        // Each matcher is index-driven (prefix btree, trigram GIN, provisioned) and capped, so neither a rare nor
        // a very common term scans every user; above the cap the total is shown as "more than".
        const ids = sql.join(
          matchers.map(
            (m) =>
              sql`(select t.object_id from teams_users t where ${base} and ${m} limit ${SEARCH_COUNT_CAP + 1})`,
          ),
          sql` union `,
        );
        const counted = await tx.execute<{ n: number }>(sql`select count(*)::int as n from (${ids}) x`);
        total = counted.rows[0]?.n ?? 0;
        if (total > SEARCH_COUNT_CAP) {
          total = SEARCH_COUNT_CAP;
          totalIsEstimate = true;
          where = sql`${base} and (${sql.join(matchers, sql` or `)})`;
        } else where = sql`${base} and t.object_id in (${ids})`;
      } else {
        const counted = await tx.execute<{ n: number }>(
          sql`select count(*)::int as n from teams_users t where ${base}`,
        );
        total = counted.rows[0]?.n ?? 0;
      }
      const offset = (query.page - 1) * query.pageSize;
      const page = await tx.execute<UserPageRow>(sql`
          with page as (
            select t.* from teams_users t where ${where}
            order by ${BY_SHOWN_NAME} limit ${query.pageSize} offset ${offset})
          select page.object_id, page.user_principal_name, page.display_name, page.eligible, page.ineligible_reason,
            page.removed_at, p.id as p_id, p.pbx_location, p.sip_user, p.phone_number, p.region_id, r.name as region_name,
            p.calling_enabled, p.deleting, p.status, p.last_error, p.cleanup_required, p.last_run_at,
            (p.observed ->> 'enterpriseVoiceEnabled')::boolean as observed_voice_enabled
          from page
          left join provisioned_users p
            on p.enterprise_account_id = page.enterprise_account_id and p.teams_user_object_id = page.object_id
          left join sbc_regions r on r.id = p.region_id
          order by lower(coalesce(nullif(page.display_name, ''), page.user_principal_name)),
            lower(page.user_principal_name)`);
      return { total, totalIsEstimate, rows: page.rows };
    },

    /** "Teams User" search-as-you-type: eligible, present and not provisioned yet. */
    async searchEligible(scope: TenantScope, search: string, limit: number, tx: Executor = db) {
      const term = escapeLike(search.trim().toLowerCase());
      return tx
        .select({
          objectId: teamsUsers.objectId,
          userPrincipalName: teamsUsers.userPrincipalName,
          displayName: teamsUsers.displayName,
        })
        .from(teamsUsers)
        .where(
          and(
            withinScope(scope, teamsUsers.enterpriseAccountId),
            eq(teamsUsers.eligible, true),
            isNull(teamsUsers.removedAt),
            sql`not exists (select 1 from provisioned_users p where p.enterprise_account_id = ${teamsUsers.enterpriseAccountId} and p.teams_user_object_id = ${teamsUsers.objectId})`,
            term
              ? or(
                  sql`lower(${teamsUsers.userPrincipalName}) like ${`${term}%`}`,
                  ilike(teamsUsers.displayName, `%${term}%`),
                )
              : undefined,
          ),
        )
        .orderBy(asc(sql`lower(${teamsUsers.userPrincipalName})`))
        .limit(limit);
    },

    async syncState(scope: TenantScope, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(teamsUserSyncs)
        .where(withinScope(scope, teamsUserSyncs.enterpriseAccountId));
      return row ?? null;
    },
  };
}
