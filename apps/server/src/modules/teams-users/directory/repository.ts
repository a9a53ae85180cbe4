import { and, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { scopeAccountWithin, type TenantScope, withinScope } from "../../tenancy/index.js";
import { type ProvisionedUser, teamsUserSyncs, teamsUsers } from "../schema.js";

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
  /** Opaque keyset cursor (the last row of the previous page); when given, `page` is ignored. */
  cursor?: string;
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

/** Without a search, lists count exactly up to this many users (an index-only walk of a few ms), then estimate. */
export const LIST_COUNT_CAP = 10_000;

export const escapeLike = (value: string) => value.replace(/[%_\\]/g, (c) => `\\${c}`);

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

/**
 * The Users page shows names (the address when there is none) and sorts by what it shows, then by object id:
 * exactly the expression of teams_users_shown_name_idx, so pages are index walks and the key is unique.
 */
const SHOWN_NAME = sql`lower(coalesce(nullif(t.display_name, ''), t.user_principal_name))`;

/** Cursor: base64url of [shown name, object id] of the last row seen. Stable under inserts (keyset). */
export const encodeCursor = (shown: string, objectId: string) =>
  Buffer.from(JSON.stringify([shown, objectId])).toString("base64url");

export function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    return Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      typeof value[1] === "string"
      ? [value[0], value[1]]
      : null;
  } catch {
    return null;
  }
}

/**
 * The search's shapes, each index-driven: UPN prefix (btree text_pattern_ops) and name (trigram) on the synced
 * user; SIP user (btree) and number (trigram) on its provisioning, as `called`: the matching users' object ids.
 */
export function searchMatchers(provisionedIn: SQL, search: string) {
  const digits = search.replace(/[^\d+]/g, "");
  const provisioned = [sql`p.sip_user = ${search}`];
  if (digits.length >= 3) provisioned.push(sql`p.phone_number like ${`%${escapeLike(digits)}%`}`);
  return {
    upn: sql`lower(t.user_principal_name) like ${`${escapeLike(search)}%`}`,
    name: sql`lower(t.display_name) like ${`%${escapeLike(search)}%`}`,
    called: sql.join(
      provisioned.map(
        (m) =>
          sql`(select p.teams_user_object_id as object_id from provisioned_users p where ${provisionedIn} and ${m})`,
      ),
      sql` union `,
    ),
  };
}

/** The planner's row estimate for `select … where`, without running it (a count beyond the exact limit). */
async function estimatedRows(tx: Executor, where: SQL) {
  const plan = await tx.execute<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>(
    sql`explain (format json) select 1 from teams_users t where ${where}`,
  );
  return Math.round(plan.rows[0]?.["QUERY PLAN"][0]?.Plan["Plan Rows"] ?? 0);
}

/** How far a count of this query is exact. */
export const countCap = (query: Pick<UserListQuery, "search">) =>
  query.search?.trim() ? SEARCH_COUNT_CAP : LIST_COUNT_CAP;

/**
 * How many users of the list, in its order, a search reads before it asks each matcher's index instead
 * (`countedPage`): about 2 ms, and enough for a term one user in twenty matches to fill a page. Such a term has
 * 25,000 matches at 500,000 users for the index path to read and sort; a sparser term's are fewer.
 */
export const SEARCH_WALK_ROWS = 1000;

/**
 * The Users page's SQL: `count` (capped at SEARCH_COUNT_CAP + 1), the `where` of the planner's estimate
 * beyond it, and the page: `page` (the list's index walk, or a search's matcher indexes with the count `n`)
 * and for a search `walk` (the list's order over SEARCH_WALK_ROWS users). Exported so a test can EXPLAIN each
 * shape.
 */
export function usersPageSql(scope: TenantScope, query: UserListQuery) {
  const search = query.search?.trim().toLowerCase();
  // The list is one enterprise's directory (the scope's own account): the equality lets the planner walk the
  // (enterprise, …) indexes in order. Both tables are pinned to that account, so the tenancy guard
  // (scopeAccountWithin) is checked once per statement.
  const guard = scopeAccountWithin(scope);
  const provisionedIn = sql`p.enterprise_account_id = ${scope.accountId} and ${guard}`;
  const conditions: SQL[] = [sql`t.enterprise_account_id = ${scope.accountId}`, guard];
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
  const matchers = search ? searchMatchers(provisionedIn, search) : null;
  // Each matcher is index-driven and capped, so neither a rare nor a very common term scans every user.
  const capped = (m: SQL) =>
    sql`(select t.object_id from teams_users t where ${base} and ${m} limit ${SEARCH_COUNT_CAP + 1})`;
  const isCalledBy = (called: SQL) => sql`t.object_id in (${called})`;
  const count = matchers
    ? sql`select count(*)::int as n from (${sql.join(
        [matchers.upn, matchers.name, isCalledBy(matchers.called)].map(capped),
        sql` union `,
      )}) x`
    : sql`select count(*)::int as n from (select 1 from teams_users t where ${base} limit ${LIST_COUNT_CAP + 1}) x`;
  const anyMatcher = matchers
    ? sql`(${matchers.upn} or ${matchers.name} or ${isCalledBy(matchers.called)})`
    : sql`true`;
  const where = sql`${base} and ${anyMatcher}`;
  // With a cursor: keyset (an index walk from the cursor). Without: OFFSET on the same index, which only the
  // page-number fallback uses; it costs the rows skipped, so the web and the export follow cursors instead.
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const keyset = after ? sql` and (${SHOWN_NAME}, t.object_id) > (${after[0]}, ${after[1]})` : sql``;
  const offset = after ? 0 : (query.page - 1) * query.pageSize;
  const rows = query.pageSize + 1;
  const inOrder = sql`order by ${SHOWN_NAME}, t.object_id`;
  // `page` CTE: the page's teams_users rows (t.* and `shown`), in the shown order.
  const withProvisioning = (page: SQL) => sql`
    with page as (${page})
    select page.object_id, page.user_principal_name, page.display_name, page.eligible, page.ineligible_reason,
      page.removed_at, page.shown, p.id as p_id, p.pbx_location, p.sip_user, p.phone_number, p.region_id,
      r.name as region_name, p.calling_enabled, p.deleting, p.status, p.last_error, p.cleanup_required,
      p.last_run_at, (p.observed ->> 'enterpriseVoiceEnabled')::boolean as observed_voice_enabled
    from page
    left join provisioned_users p
      on p.enterprise_account_id = page.enterprise_account_id and p.teams_user_object_id = page.object_id
    left join sbc_regions r on r.id = p.region_id
    order by page.shown, page.object_id`;
  if (!matchers) {
    const page =
      withProvisioning(sql`select t.*, ${SHOWN_NAME} as shown from teams_users t where ${base}${keyset}
      ${inOrder} limit ${rows} offset ${offset}`);
    return { count, where, page, walk: null, cap: countCap(query) };
  }
  // The walk: the first SEARCH_WALK_ROWS users from the cursor in the list's order (the shown-name index),
  // filtered by the matchers. Its page is right only when it is full (the window is a prefix of the list).
  const walk = withProvisioning(sql`select t.* from (
      select t.*, ${SHOWN_NAME} as shown from teams_users t where ${base}${keyset} ${inOrder}
      limit ${SEARCH_WALK_ROWS}) t
    where ${anyMatcher} order by t.shown, t.object_id limit ${rows} offset ${offset}`);
  // By the matchers' indexes, with the count: each matcher's first `offset + rows` matches in the shown order,
  // merged. The name's trigram matches are all read (a materialized CTE, also counted) and then sorted: given an
  // ORDER BY and LIMIT the planner walks the shown-name index instead, hoping the matches are spread evenly, and
  // a term whose matches lie together far down the list ("user 12") or nowhere ("lovelace") then reads most of
  // the list. The provisioned matches (`called`) are read once too. The count stops at the cap: when the name
  // alone matches more, the merge is not counted. One row at least: `n` with a null page row when nothing matches.
  const { upn, name } = matchers;
  const isCalled = isCalledBy(sql`select object_id from called`);
  const firstMatches = (m: SQL) =>
    sql`(select t.object_id, ${SHOWN_NAME} as shown from teams_users t where ${base}${keyset} and ${m}
      ${inOrder} limit ${offset + rows})`;
  const namedAfter = after ? sql`where (named.shown, named.object_id) > (${after[0]}, ${after[1]})` : sql``;
  const hits = sql.join(
    [
      firstMatches(upn),
      sql`(select * from named ${namedAfter} order by shown, object_id limit ${offset + rows})`,
      firstMatches(isCalled),
    ],
    sql` union `,
  );
  const matched = sql.join([capped(upn), sql`(select object_id from named)`, capped(isCalled)], sql` union `);
  const page = sql`
    with named as materialized (
      select t.object_id, ${SHOWN_NAME} as shown from teams_users t where ${base} and ${name}),
    called as materialized (${matchers.called}),
    hits as (${hits}), matched as (${matched})
    select c.n, pg.* from (select case when (select count(*) from named) > ${SEARCH_COUNT_CAP} then ${SEARCH_COUNT_CAP + 1}
      else (select count(*) from matched) end::int as n) c
    left join lateral (${withProvisioning(sql`select t.*, hits.shown from hits join teams_users t
      on t.enterprise_account_id = ${scope.accountId} and t.object_id = hits.object_id
      order by hits.shown, hits.object_id limit ${rows} offset ${offset}`)}) pg on true
    order by pg.shown, pg.object_id`;
  return { count, where, page, walk, cap: countCap(query) };
}

type PageRow = UserPageRow & { shown: string };

/**
 * The count and the page. A search's page comes two ways because neither is fast for every term. The matchers'
 * indexes (trigram, prefix, number) cost what the term matches: nothing for a rare term ("lovelace"), but
 * thousands of rows to read and sort for a common one. The list's own order with the term as a filter stops
 * after a page of matches, which a term common throughout the list finds within SEARCH_WALK_ROWS users, but a
 * rare one would read the whole list. So the bounded walk goes first (about 2 ms), and only when it holds less
 * than a full page do the indexes answer, counting in the same statement (one trigram scan, not two); a common
 * term whose matches lie together far down the list ("user 12") goes that way too. Both give the same rows in
 * the same order: the walk's window is a prefix of the list from the cursor.
 */
async function countedPage(
  tx: Executor,
  q: ReturnType<typeof usersPageSql>,
  pageSize: number,
): Promise<{ n: number; rows: PageRow[] }> {
  const count = async () => (await tx.execute<{ n: number }>(q.count)).rows[0]?.n ?? 0;
  if (!q.walk) return { n: await count(), rows: (await tx.execute<PageRow>(q.page)).rows };
  const walked = await tx.execute<PageRow>(q.walk);
  if (walked.rows.length > pageSize) return { n: await count(), rows: walked.rows };
  const indexed = (await tx.execute<PageRow & { n: number }>(q.page)).rows;
  return { n: indexed[0]?.n ?? 0, rows: indexed.filter((row) => row.object_id !== null) };
}

/**
 * "Teams User" search of Add User: eligible, present, not provisioned; UPN prefix or name contains. Listed in the
 * order of teams_users_upn_idx (text_pattern_ops, so `using ~<~`): the walk reads the index and stops at the limit.
 */
export function searchEligibleQuery(scope: TenantScope, search: string, limit: number, tx: Executor) {
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
        eq(teamsUsers.enterpriseAccountId, scope.accountId),
        withinScope(scope, teamsUsers.enterpriseAccountId),
        eq(teamsUsers.eligible, true),
        isNull(teamsUsers.removedAt),
        sql`not exists (select 1 from provisioned_users p where p.enterprise_account_id = ${teamsUsers.enterpriseAccountId} and p.teams_user_object_id = ${teamsUsers.objectId})`,
        // Exactly the indexed expressions: lower(upn) text_pattern_ops (prefix) and lower(display_name) trigram.
        term
          ? or(
              sql`lower(${teamsUsers.userPrincipalName}) like ${`${term}%`}`,
              sql`lower(${teamsUsers.displayName}) like ${`%${term}%`}`,
            )
          : undefined,
      ),
    )
    .orderBy(sql`lower(${teamsUsers.userPrincipalName}) using ~<~`)
    .limit(limit);
}

/** The synced Teams users of the scope (the enterprise's directory as Microsoft last reported it). */
export function directoryRepository(db: Executor) {
  return {
    /**
     * The Users page: searched, filtered and paged in SQL; the count is exact up to the cap (countCap), beyond it
     * the planner's estimate for a list and the cap + 1 for a search. Only the page's rows are joined to their provisioning.
     */
    async usersPage(scope: TenantScope, query: UserListQuery, tx: Executor = db) {
      const q = usersPageSql(scope, query);
      const { n, rows: page } = await countedPage(tx, q, query.pageSize);
      const totalIsEstimate = n > q.cap;
      // A search's matches are substrings: the planner's estimate of them can be off by twenty times ("about
      // 255,000" for a term 11,111 users match), so a search says only "more than the cap".
      const total = !totalIsEstimate
        ? n
        : query.search?.trim()
          ? q.cap + 1
          : Math.max(q.cap + 1, await estimatedRows(tx, q.where));
      const rows = page.slice(0, query.pageSize);
      const last = rows.at(-1);
      const nextCursor =
        page.length > query.pageSize && last ? encodeCursor(last.shown, last.object_id) : undefined;
      return { total, totalIsEstimate, rows, ...(nextCursor ? { nextCursor } : {}) };
    },

    /** "Teams User" search-as-you-type: eligible, present and not provisioned yet. */
    async searchEligible(scope: TenantScope, search: string, limit: number, tx: Executor = db) {
      return searchEligibleQuery(scope, search, limit, tx);
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
