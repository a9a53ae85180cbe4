import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database, Executor } from "../../../db/client.js";
import { isAnyOf } from "../../../db/text-sets.js";
import { provisionedUsers, teamsUsers } from "../schema.js";

/**
 * Pages written at once by one sync (each on its own connection and transaction). Two keep PostgreSQL busy on
 * both sides of a page boundary; more only queue on a small machine's cores.
 */
export const SYNC_PAGE_WRITERS = 2;

/** A delta page item as stored: a present user's row, or the object id of a removed one. */
export type DeltaItem =
  | { removed: true; object_id: string }
  | {
      removed: false;
      object_id: string;
      user_principal_name: string;
      display_name: string;
      mail: string | null;
      account_enabled: boolean;
      usage_location: string | null;
      has_teams_phone: boolean;
      is_resource_account: boolean;
      eligible: boolean;
      ineligible_reason: string | null;
    };

export interface PageCounts {
  added: number;
  updated: number;
  removed: number;
}

/**
 * Writes one delta page in one transaction: a single multi-row upsert (one JSON parameter) keyed by Microsoft's
 * object id, then the removals. Within a page the last item of a user wins, as across pages (page-pipeline.ts).
 * The commit does not wait for the WAL flush (synchronous_commit off, this transaction only): a database crash
 * can lose only the last pages' commits, together with the progress saved after them (which comes later in the
 * same WAL), so the job resumes from an earlier link and writes them again. Nothing is left half-written.
 */
export async function writeDeltaPage(
  db: Database,
  enterpriseAccountId: string,
  items: DeltaItem[],
): Promise<PageCounts> {
  const last = new Map<string, DeltaItem>();
  for (const item of items) {
    last.delete(item.object_id);
    last.set(item.object_id, item);
  }
  const present = [...last.values()].filter((item) => !item.removed);
  const removedIds = [...last.values()].filter((item) => item.removed).map((item) => item.object_id);
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local synchronous_commit = off`);
    let added = 0;
    let updated = 0;
    if (present.length > 0) {
      // Counted in the database: one row back instead of one per user.
      const result = await tx.execute<{ added: number; updated: number }>(sql`
        with written as (
        insert into teams_users (enterprise_account_id, object_id, user_principal_name, display_name, mail,
          account_enabled, usage_location, has_teams_phone, is_resource_account, eligible, ineligible_reason,
          removed_at, synced_at)
        select ${enterpriseAccountId}::uuid, x.object_id, x.user_principal_name, x.display_name, x.mail,
          x.account_enabled, x.usage_location, x.has_teams_phone, x.is_resource_account, x.eligible,
          x.ineligible_reason, null, now()
        from jsonb_to_recordset(${JSON.stringify(present)}::jsonb) as x(object_id text, user_principal_name text,
          display_name text, mail text, account_enabled boolean, usage_location text, has_teams_phone boolean,
          is_resource_account boolean, eligible boolean, ineligible_reason text)
        on conflict (enterprise_account_id, object_id) do update set
          user_principal_name = excluded.user_principal_name, display_name = excluded.display_name,
          mail = excluded.mail, account_enabled = excluded.account_enabled,
          usage_location = excluded.usage_location, has_teams_phone = excluded.has_teams_phone,
          is_resource_account = excluded.is_resource_account, eligible = excluded.eligible,
          ineligible_reason = excluded.ineligible_reason, removed_at = null, synced_at = excluded.synced_at
        returning (xmax = 0) as inserted)
        select (count(*) filter (where inserted))::int as added, (count(*) filter (where not inserted))::int as updated
        from written`);
      added = result.rows[0]?.added ?? 0;
      updated = result.rows[0]?.updated ?? 0;
    }
    if (removedIds.length > 0) await markRemoved(tx, enterpriseAccountId, removedIds);
    return { added, updated, removed: removedIds.length };
  });
}

/**
 * Marks users gone from Microsoft 365 (never deleted) and flags their provisioning for cleanup. The ids go as one
 * array parameter: a round's end can sweep thousands.
 */
export async function markRemoved(
  db: Executor,
  enterpriseAccountId: string,
  objectIds: string[],
): Promise<number> {
  const now = new Date();
  const removed = await db
    .update(teamsUsers)
    .set({ removedAt: now, eligible: false, ineligibleReason: "Removed from Microsoft 365", syncedAt: now })
    .where(
      and(
        eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
        isAnyOf(teamsUsers.objectId, objectIds),
        isNull(teamsUsers.removedAt),
      ),
    )
    .returning({ objectId: teamsUsers.objectId });
  await db
    .update(provisionedUsers)
    .set({
      cleanupRequired: true,
      lastError: "The Teams user was removed from Microsoft 365; remove this user.",
      updatedAt: now,
    })
    .where(
      and(
        eq(provisionedUsers.enterpriseAccountId, enterpriseAccountId),
        isAnyOf(provisionedUsers.teamsUserObjectId, objectIds),
      ),
    );
  return removed.length;
}

/**
 * Moves the name search index's pending entries into the index proper, as autovacuum would later. A round's rows
 * enter the trigram index's pending list (GIN fastupdate), which every search then reads through, and which the
 * planner counts: right after a 50,000-user first sync it chose a sequential scan for a name search (51 ms of SQL
 * against 10 ms once settled). Run after a round that wrote rows, not inside it: the merge takes tens of
 * milliseconds and must not hold a page.
 */
export async function settleSearchIndex(db: Executor): Promise<void> {
  await db.execute(sql`select gin_clean_pending_list('teams_users_display_name_trgm_idx'::regclass)`);
}
