import { and, eq, inArray, isNull, notInArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { RetryLater } from "../../jobs/define-job.js";
import {
  connectedTenant,
  type DeltaUser,
  MicrosoftApiError,
  type MicrosoftDeps,
  type VoiceApi,
} from "../microsoft/index.js";
import { ACCOUNT_TYPE_REASONS, syncEligibility, UNUSABLE_ACCOUNT_TYPES } from "./eligibility.js";
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
  const api =
    options.api ?? (await deps.microsoft.tenant(connection.tenantId, { signal: options.signal })).graph.voice;
  let [state] = await db
    .select()
    .from(teamsUserSyncs)
    .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
  const resuming = state?.status === "running" && Boolean(state.nextLink);
  if (!resuming) {
    // The round's start comes from the database clock: a full round ends by removing users it did not see, which
    // compares it with teams_users.synced_at (also the database's now()).
    [state] = await db
      .insert(teamsUserSyncs)
      .values({ enterpriseAccountId, status: "running", startedAt: sql`now()` })
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
          startedAt: sql`now()`,
          finishedAt: null,
          updatedAt: new Date(),
        },
      })
      .returning();
  }
  const link: string | null = resuming ? state!.nextLink : (state?.deltaLink ?? null);
  let pages = state?.pages ?? 0;
  let users = state?.usersSeen ?? 0;
  // Teams' own view of who it serves (accountType) is not part of the user object, so delta never reports it.
  const accountTypes = await unusableAccountTypes(api);
  /**
   * Fetches a page. Microsoft may no longer have the sync state behind a delta or next link (410 Gone, e.g.
   * `syncStateNotFound` after its state was reset, or an expired token): "the application must restart with a full
   * synchronization" (Graph, "Use delta query", Synchronization reset). So the stored link is dropped and a full
   * round starts now, which at its end removes the users it did not see.
   */
  const fetchPage = async (
    from: string | null,
  ): Promise<{ page: Awaited<ReturnType<VoiceApi["deltaPage"]>>; from: string | null }> => {
    try {
      return { page: await api.deltaPage(from), from };
    } catch (error) {
      if (from && error instanceof MicrosoftApiError && isSyncReset(error)) {
        await db
          .update(teamsUserSyncs)
          .set({ deltaLink: null, fullSync: true, startedAt: sql`now()`, updatedAt: new Date() })
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
      const counts = await applyDeltaPage(db, enterpriseAccountId, page.value, accountTypes);
      pages++;
      users += page.value.length;
      const deltaLink = page["@odata.deltaLink"] ?? null;
      const swept = deltaLink ? await finishRound(db, api, enterpriseAccountId, accountTypes) : 0;
      await db
        .update(teamsUserSyncs)
        .set({
          pages,
          usersSeen: users,
          added: sql`${teamsUserSyncs.added} + ${counts.added}`,
          updated: sql`${teamsUserSyncs.updated} + ${counts.updated}`,
          removed: sql`${teamsUserSyncs.removed} + ${counts.removed + swept}`,
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
async function applyDeltaPage(
  db: Database,
  enterpriseAccountId: string,
  items: DeltaUser[],
  accountTypes: Map<string, string>,
) {
  const removedIds = items.filter((u) => u["@removed"]).map((u) => u.id);
  const present = items.filter((u) => !u["@removed"] && u.userPrincipalName);
  let added = 0;
  let updated = 0;
  if (present.length > 0) {
    const rows = present.map((u) => {
      const e = syncEligibility(u, accountTypes.get(u.id.toLowerCase()));
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
  if (removedIds.length > 0) await markRemoved(db, enterpriseAccountId, removedIds);
  return { added, updated, removed: removedIds.length };
}

/** Marks users gone from Microsoft 365 (never deleted) and flags their provisioning for cleanup. */
async function markRemoved(db: Database, enterpriseAccountId: string, objectIds: string[]): Promise<number> {
  const now = new Date();
  const removed = await db
    .update(teamsUsers)
    .set({ removedAt: now, eligible: false, ineligibleReason: "Removed from Microsoft 365", syncedAt: now })
    .where(
      and(
        eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
        inArray(teamsUsers.objectId, objectIds),
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
        inArray(provisionedUsers.teamsUserObjectId, objectIds),
      ),
    );
  return removed.length;
}

/** A delta or next link whose sync state Microsoft no longer has: start a full round. */
function isSyncReset(error: MicrosoftApiError): boolean {
  return error.status === 410 || /syncStateNotFound|syncStateInvalid|resyncRequired/i.test(error.code ?? "");
}

const USER_SELECT =
  "id,userPrincipalName,displayName,mail,accountEnabled,usageLocation,assignedPlans,userType,isResourceAccount";

/** Graph links are absolute; the client takes paths under /v1.0. */
function graphPath(link: string): string {
  const at = link.indexOf("/v1.0/");
  return at >= 0 ? link.slice(at + "/v1.0".length) : link;
}

/**
 * The tenant's users that Teams cannot serve, by teamsUserConfiguration.accountType (`sfbOnPremUser`,
 * `ineligibleUser`): object id (lower case) → accountType. "List userConfigurations" (Graph v1.0,
 * TeamsUserConfiguration.Read.All) supports $filter, $select and $top.
 */
async function unusableAccountTypes(api: VoiceApi): Promise<Map<string, string>> {
  const filter = Object.keys(UNUSABLE_ACCOUNT_TYPES)
    .map((type) => `accountType eq '${type}'`)
    .join(" or ");
  const out = new Map<string, string>();
  let next: string | null =
    `/admin/teams/userConfigurations?$filter=${encodeURIComponent(filter)}&$select=id,accountType&$top=999`;
  while (next) {
    const response: { body: { value: { id: string; accountType: string }[]; "@odata.nextLink"?: string } } =
      await api.graph.get(next);
    for (const c of response.body.value) out.set(c.id.toLowerCase(), c.accountType);
    next = response.body["@odata.nextLink"] ? graphPath(response.body["@odata.nextLink"]) : null;
  }
  return out;
}

/**
 * End of a round. A full round saw every user, so those it did not see are gone (after a sync reset, removals
 * from before it are never reported). accountType is not a user property, so its changes never come through
 * delta: users Teams cannot serve are marked here whether or not they changed, and users marked for it before
 * that Teams serves again are read back from Graph and judged afresh.
 */
async function finishRound(
  db: Database,
  api: VoiceApi,
  enterpriseAccountId: string,
  accountTypes: Map<string, string>,
): Promise<number> {
  let swept = 0;
  const [round] = await db
    .select({ fullSync: teamsUserSyncs.fullSync, startedAt: teamsUserSyncs.startedAt })
    .from(teamsUserSyncs)
    .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
  if (round?.fullSync && round.startedAt) {
    const unseen = await db
      .select({ objectId: teamsUsers.objectId })
      .from(teamsUsers)
      .where(
        and(
          eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
          isNull(teamsUsers.removedAt),
          sql`${teamsUsers.syncedAt} < ${round.startedAt}`,
        ),
      );
    if (unseen.length > 0)
      swept = await markRemoved(
        db,
        enterpriseAccountId,
        unseen.map((u) => u.objectId),
      );
  }
  const now = new Date();
  const flagged = [...accountTypes.keys()];
  for (const [type, reason] of Object.entries(UNUSABLE_ACCOUNT_TYPES)) {
    const ids = flagged.filter((id) => accountTypes.get(id) === type);
    if (ids.length === 0) continue;
    // A reason of the user's own (disabled, no Teams Phone licence) comes first and stays.
    await db
      .update(teamsUsers)
      .set({ eligible: false, ineligibleReason: reason, syncedAt: now })
      .where(
        and(
          eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
          isNull(teamsUsers.removedAt),
          eq(teamsUsers.eligible, true),
          inArray(sql`lower(${teamsUsers.objectId})`, ids),
        ),
      );
  }
  const served = await db
    .select({ objectId: teamsUsers.objectId })
    .from(teamsUsers)
    .where(
      and(
        eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
        isNull(teamsUsers.removedAt),
        inArray(teamsUsers.ineligibleReason, [...ACCOUNT_TYPE_REASONS]),
        flagged.length > 0 ? notInArray(sql`lower(${teamsUsers.objectId})`, flagged) : undefined,
      ),
    );
  for (const { objectId } of served) {
    const response = await api.graph.get<DeltaUser>(
      `/users/${encodeURIComponent(objectId)}?$select=${USER_SELECT}`,
      [404],
    );
    if (response.status === 404) {
      swept += await markRemoved(db, enterpriseAccountId, [objectId]);
      continue;
    }
    const e = syncEligibility(response.body);
    await db
      .update(teamsUsers)
      .set({
        eligible: e.eligible,
        ineligibleReason: e.reason,
        hasTeamsPhone: e.hasTeamsPhone,
        syncedAt: now,
      })
      .where(and(eq(teamsUsers.enterpriseAccountId, enterpriseAccountId), eq(teamsUsers.objectId, objectId)));
  }
  return swept;
}
