import { and, eq, inArray, isNull, not, or, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { isAnyOf } from "../../db/text-sets.js";
import { RetryLater } from "../../jobs/define-job.js";
import {
  connectedTenant,
  type DeltaUser,
  MicrosoftApiError,
  type MicrosoftDeps,
  type VoiceApi,
} from "../microsoft/index.js";
import {
  type DeltaItem,
  markRemoved,
  SYNC_PAGE_WRITERS,
  settleSearchIndex,
  writeDeltaPage,
} from "./directory/delta-writes.js";
import { runPagePipeline } from "./directory/page-pipeline.js";
import {
  ACCOUNT_TYPE_REASONS,
  NO_TEAMS_LICENCE,
  syncEligibility,
  UNUSABLE_ACCOUNT_TYPES,
} from "./eligibility.js";
import { teamsUserSyncs, teamsUsers } from "./schema.js";

export interface SyncDeps extends MicrosoftDeps {
  db: Database;
}

/** What a round did, kept as the job's output. */
export interface SyncOutcome {
  pages: number;
  users: number;
  /** Rows the round added, updated or marked removed. */
  changed: number;
  /** The name search index after the round (see settleSearchIndex). */
  searchIndex: "unchanged" | "settled" | `not settled: ${string}`;
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
): Promise<SyncOutcome> {
  const { db } = deps;
  // The first page is asked for as early as possible: the connection and the round's state are read together, and
  // the round's start is stored while the first page is on its way (its rows wait for it, see `write`).
  const [connection, [state]] = await Promise.all([
    connectedTenant(db, enterpriseAccountId),
    db.select().from(teamsUserSyncs).where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId)),
  ]);
  if (!connection) {
    await db
      .insert(teamsUserSyncs)
      .values({ enterpriseAccountId, status: "failed", lastError: "Connect to Microsoft Teams first." })
      .onConflictDoUpdate({
        target: teamsUserSyncs.enterpriseAccountId,
        set: { status: "failed", lastError: "Connect to Microsoft Teams first.", updatedAt: new Date() },
      });
    return { pages: 0, users: 0, changed: 0, searchIndex: "unchanged" };
  }
  const api =
    options.api ?? (await deps.microsoft.tenant(connection.tenantId, { signal: options.signal })).graph.voice;
  const resuming = state?.status === "running" && Boolean(state.nextLink);
  // The round's start comes from the database clock: a full round ends by removing users it did not see, which
  // compares it with teams_users.synced_at (also the database's now()), so no page is written before it is stored.
  const roundStarted = resuming
    ? Promise.resolve()
    : db
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
        .then(() => undefined);
  roundStarted.catch(() => undefined); // awaited before the first write, and before a failure is recorded
  const link: string | null = resuming ? state!.nextLink : (state?.deltaLink ?? null);
  let pages = resuming ? state!.pages : 0;
  let users = resuming ? state!.usersSeen : 0;
  let changed = 0;
  // Teams' own view of who it serves (accountType) is not part of the user object, so delta never reports it.
  // Listed beside the pages (in a tenant with many unlicensed users it is many pages itself); pages written before
  // it is complete judge by the users' own properties, and markAccountTypes marks every listed user once.
  const accountTypesReady = unusableAccountTypes(api);
  let accountTypesKnown = new Map<string, string>();
  let typesKnown = false;
  // That happens as soon as the list is known and the pages written before it are committed, while the later pages
  // are still coming (at the round's end at the latest).
  let pagesJudgedWithoutTypes = 0;
  let accountTypesMarked: number | null = null;
  accountTypesReady.then(
    (types) => {
      accountTypesKnown = types;
      typesKnown = true;
    },
    () => undefined, // awaited, and so reported, at the round's end
  );
  /**
   * Fetches a page. Microsoft may no longer have the sync state behind a delta or next link (410 Gone, e.g.
   * `syncStateNotFound` after its state was reset, or an expired token): "the application must restart with a full
   * synchronization" (Graph, "Use delta query", Synchronization reset). So the stored link is dropped and a full
   * round starts now (once the pages handed out are written), which at its end removes the users it did not see.
   */
  const fetchPage = async (from: string | null, drain: () => Promise<void>) => {
    try {
      return await api.deltaPage(from);
    } catch (error) {
      if (from && error instanceof MicrosoftApiError && isSyncReset(error)) {
        await drain();
        await roundStarted;
        await db
          .update(teamsUserSyncs)
          .set({ deltaLink: null, fullSync: true, startedAt: sql`now()`, updatedAt: new Date() })
          .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
        return api.deltaPage(null);
      }
      throw error;
    }
  };
  try {
    await runPagePipeline({
      first: link,
      writers: SYNC_PAGE_WRITERS,
      // Nothing but the request itself between a page and the next: a page is handed over as soon as its links
      // have arrived (see microsoft/delta-page.ts), its users are read after the pipeline asked for the next page,
      // and rows are made by the writer.
      async fetch(from, drain) {
        const page = await fetchPage(from, drain);
        return {
          next: page["@odata.nextLink"] ?? null,
          deltaLink: page["@odata.deltaLink"] ?? null,
          async content() {
            const items = await page.users();
            return { items, ids: items.map((u) => u.id) };
          },
        };
      },
      write: async (page) => {
        await roundStarted;
        if (!typesKnown) pagesJudgedWithoutTypes++;
        return writeDeltaPage(
          db,
          enterpriseAccountId,
          page.items.map((u) => pageItem(u, accountTypesKnown)),
        );
      },
      async committed({ page, written: counts, number }) {
        pages++;
        users += page.items.length;
        const swept = page.deltaLink ? await finishRound(db, enterpriseAccountId) : 0;
        if (
          accountTypesMarked === null &&
          (page.deltaLink || (typesKnown && number >= pagesJudgedWithoutTypes))
        )
          accountTypesMarked = await markAccountTypes(db, api, enterpriseAccountId, await accountTypesReady);
        const marked = page.deltaLink ? accountTypesMarked! : 0;
        changed += counts.added + counts.updated + counts.removed + swept + marked;
        await db
          .update(teamsUserSyncs)
          .set({
            pages,
            usersSeen: users,
            added: sql`${teamsUserSyncs.added} + ${counts.added}`,
            updated: sql`${teamsUserSyncs.updated} + ${counts.updated}`,
            removed: sql`${teamsUserSyncs.removed} + ${counts.removed + swept + marked}`,
            nextLink: page.next,
            ...(page.deltaLink
              ? { deltaLink: page.deltaLink, status: "completed" as const, finishedAt: new Date() }
              : {}),
            updatedAt: new Date(),
          })
          .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
      },
    });
  } catch (error) {
    await roundStarted.catch(() => undefined);
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
  // The round is complete and shown so; a failure here leaves the index to autovacuum and is the job's output.
  const searchIndex: SyncOutcome["searchIndex"] =
    changed === 0
      ? "unchanged"
      : await settleSearchIndex(db).then(
          () => "settled" as const,
          (error: Error) => `not settled: ${error.message}` as const,
        );
  return { pages, users, changed, searchIndex };
}

/** What a page item becomes: the row kept for a present user, or the object id of a removed one. */
function pageItem(u: DeltaUser, accountTypes: Map<string, string>): DeltaItem {
  if (u["@removed"] || !u.userPrincipalName) return { removed: true, object_id: u.id };
  const e = syncEligibility(u, accountTypes.get(u.id.toLowerCase()));
  return {
    removed: false,
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
 * from before it are never reported).
 */
async function finishRound(db: Database, enterpriseAccountId: string): Promise<number> {
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
  return swept;
}

/**
 * accountType is not a user property, so its changes never come through delta: users Teams cannot serve are
 * marked whether or not they changed, and users marked for it before that Teams serves again are read back from
 * Graph and judged afresh (those gone from Graph are marked removed: the count returned). Once per round, after
 * every page written without the list; the pages after it are judged with it.
 */
async function markAccountTypes(
  db: Database,
  api: VoiceApi,
  enterpriseAccountId: string,
  accountTypes: Map<string, string>,
): Promise<number> {
  let swept = 0;
  const now = new Date();
  const flagged = [...accountTypes.keys()];
  for (const [type, reason] of Object.entries(UNUSABLE_ACCOUNT_TYPES)) {
    const ids = flagged.filter((id) => accountTypes.get(id) === type);
    if (ids.length === 0) continue;
    // A reason of the user's own (disabled, no Teams Phone licence) comes first and stays; the account type
    // comes before a missing Teams service plan (syncEligibility's order, whenever the page was written).
    await db
      .update(teamsUsers)
      .set({ eligible: false, ineligibleReason: reason, syncedAt: now })
      .where(
        and(
          eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
          isNull(teamsUsers.removedAt),
          or(eq(teamsUsers.eligible, true), eq(teamsUsers.ineligibleReason, NO_TEAMS_LICENCE)),
          // One array parameter: a tenant can flag thousands of users (mid-round).
          isAnyOf(sql`lower(${teamsUsers.objectId})`, ids),
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
        flagged.length > 0 ? not(isAnyOf(sql`lower(${teamsUsers.objectId})`, flagged)) : undefined,
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
