import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { RetryLater } from "../../jobs/define-job.js";
import { MicrosoftApiError } from "../microsoft/api-client.js";
import type { MicrosoftDeps } from "../microsoft/runtime.js";
import { connectedTenant } from "../microsoft/service.js";
import { type DeltaUser, eligibilityOf, type VoiceApi, voiceApi } from "./microsoft-voice.js";
import { provisionedUsers, teamsUserSyncs, teamsUsers } from "./schema.js";

export interface SyncDeps extends MicrosoftDeps {
  db: Database;
}

/** Marks a sync as queued (the button / schedule), creating the state row on first use. */
export async function markSyncQueued(db: Database, enterpriseAccountId: string): Promise<void> {
  await db
    .insert(teamsUserSyncs)
    .values({ enterpriseAccountId, status: "queued" })
    .onConflictDoUpdate({
      target: teamsUserSyncs.enterpriseAccountId,
      set: {
        status: sql`case when ${teamsUserSyncs.status} = 'running' then 'running'::teams_user_sync_status else 'queued'::teams_user_sync_status end`,
        updatedAt: new Date(),
      },
    });
}

/**
 * One sync round: the first pages `/users/delta?$top=999`; later rounds follow the stored delta link,
 * so only changes travel. The next link is saved after every page, so a restarted job resumes.
 * Removed users are marked (never deleted); their provisioning is flagged for cleanup.
 */
export async function runSync(
  deps: SyncDeps,
  enterpriseAccountId: string,
  options: { signal?: AbortSignal; api?: VoiceApi } = {},
): Promise<{ pages: number; users: number }> {
  const { db } = deps;
  const connection = await connectedTenant(db, enterpriseAccountId);
  if (!connection) {
    await db
      .insert(teamsUserSyncs)
      .values({ enterpriseAccountId, status: "failed", lastError: "Connect to Microsoft Teams first." })
      .onConflictDoUpdate({
        target: teamsUserSyncs.enterpriseAccountId,
        set: { status: "failed", lastError: "Connect to Microsoft Teams first.", updatedAt: new Date() },
      });
    return { pages: 0, users: 0 };
  }
  const api = options.api ?? (await voiceApi(deps, connection.tenantId, { signal: options.signal }));
  let [state] = await db
    .select()
    .from(teamsUserSyncs)
    .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
  const resuming = state?.status === "running" && Boolean(state.nextLink);
  if (!resuming) {
    [state] = await db
      .insert(teamsUserSyncs)
      .values({ enterpriseAccountId, status: "running", startedAt: new Date() })
      .onConflictDoUpdate({
        target: teamsUserSyncs.enterpriseAccountId,
        set: {
          status: "running",
          nextLink: null,
          pages: 0,
          usersSeen: 0,
          added: 0,
          updated: 0,
          removed: 0,
          fullSync: sql`${teamsUserSyncs.deltaLink} is null`,
          lastError: null,
          startedAt: new Date(),
          finishedAt: null,
          updatedAt: new Date(),
        },
      })
      .returning();
  }
  const link: string | null = resuming ? state!.nextLink : (state?.deltaLink ?? null);
  let pages = state?.pages ?? 0;
  let users = state?.usersSeen ?? 0;
  /** Fetches a page; an expired delta token restarts as a full sync. */
  const fetchPage = async (
    from: string | null,
  ): Promise<{ page: Awaited<ReturnType<VoiceApi["deltaPage"]>>; from: string | null }> => {
    try {
      return { page: await api.deltaPage(from), from };
    } catch (error) {
      if (
        error instanceof MicrosoftApiError &&
        (error.status === 410 || /syncStateNotFound|resyncRequired/i.test(error.code)) &&
        from
      ) {
        await db
          .update(teamsUserSyncs)
          .set({ deltaLink: null, fullSync: true })
          .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
        return { page: await api.deltaPage(null), from: null };
      }
      throw error;
    }
  };
  try {
    let pending = fetchPage(link);
    for (;;) {
      const { page } = await pending;
      const next = page["@odata.nextLink"] ?? null;
      // The next page travels while this one is written (the link is only saved once this page is stored).
      if (next) pending = fetchPage(next);
      const counts = await applyDeltaPage(db, enterpriseAccountId, page.value);
      pages++;
      users += page.value.length;
      const deltaLink = page["@odata.deltaLink"] ?? null;
      await db
        .update(teamsUserSyncs)
        .set({
          pages,
          usersSeen: users,
          added: sql`${teamsUserSyncs.added} + ${counts.added}`,
          updated: sql`${teamsUserSyncs.updated} + ${counts.updated}`,
          removed: sql`${teamsUserSyncs.removed} + ${counts.removed}`,
          nextLink: next,
          ...(deltaLink ? { deltaLink, status: "completed" as const, finishedAt: new Date() } : {}),
          updatedAt: new Date(),
        })
        .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
      if (!next) break;
    }
  } catch (error) {
    if (!(error instanceof RetryLater)) {
      await db
        .update(teamsUserSyncs)
        .set({
          status: "failed",
          lastError: (error as Error).message.slice(0, 500),
          finishedAt: new Date(),
          updatedAt: new Date(),
        })
        .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
    }
    throw error;
  }
  return { pages, users };
}

/** Upserts one page in a single statement; removals mark the user and flag its provisioning. */
async function applyDeltaPage(db: Database, enterpriseAccountId: string, items: DeltaUser[]) {
  const removedIds = items.filter((u) => u["@removed"]).map((u) => u.id);
  const present = items.filter((u) => !u["@removed"] && u.userPrincipalName);
  let added = 0;
  let updated = 0;
  const now = new Date();
  if (present.length > 0) {
    const rows = present.map((u) => {
      const e = eligibilityOf(u);
      return {
        object_id: u.id,
        user_principal_name: u.userPrincipalName,
        display_name: u.displayName ?? "",
        mail: u.mail ?? null,
        account_enabled: u.accountEnabled !== false,
        usage_location: u.usageLocation ?? null,
        has_teams_phone: e.hasTeamsPhone,
        is_resource_account: Boolean(u.isResourceAccount),
        eligible: e.eligible,
        ineligible_reason: e.reason,
      };
    });
    // One statement per page with a single JSON parameter: cheap to build, so the next page keeps flowing.
    const result = await db.execute<{ inserted: boolean }>(sql`
      insert into teams_users (enterprise_account_id, object_id, user_principal_name, display_name, mail, account_enabled,
        usage_location, has_teams_phone, is_resource_account, eligible, ineligible_reason, removed_at, synced_at)
      select ${enterpriseAccountId}::uuid, x.object_id, x.user_principal_name, x.display_name, x.mail, x.account_enabled,
        x.usage_location, x.has_teams_phone, x.is_resource_account, x.eligible, x.ineligible_reason, null, now()
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(object_id text, user_principal_name text,
        display_name text, mail text, account_enabled boolean, usage_location text, has_teams_phone boolean,
        is_resource_account boolean, eligible boolean, ineligible_reason text)
      on conflict (enterprise_account_id, object_id) do update set
        user_principal_name = excluded.user_principal_name, display_name = excluded.display_name, mail = excluded.mail,
        account_enabled = excluded.account_enabled, usage_location = excluded.usage_location,
        has_teams_phone = excluded.has_teams_phone, is_resource_account = excluded.is_resource_account,
        eligible = excluded.eligible, ineligible_reason = excluded.ineligible_reason, removed_at = null,
        synced_at = excluded.synced_at
      returning (xmax = 0) as inserted`);
    for (const r of result.rows) {
      if (r.inserted) added++;
      else updated++;
    }
  }
  if (removedIds.length > 0) {
    await db
      .update(teamsUsers)
      .set({ removedAt: now, eligible: false, ineligibleReason: "Removed from Microsoft 365", syncedAt: now })
      .where(
        and(
          eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
          inArray(teamsUsers.objectId, removedIds),
          isNull(teamsUsers.removedAt),
        ),
      );
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
          inArray(provisionedUsers.teamsUserObjectId, removedIds),
        ),
      );
  }
  return { added, updated, removed: removedIds.length };
}
