import { and, asc, between, isNull, lt, max, min } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { accounts, type TenantScope, withinScope } from "../tenancy/index.js";
import { usageCallMinutes, usageSnapshots } from "./schema.js";

export interface SnapshotRow {
  enterpriseAccountId: string;
  day: string;
  callingEnabledUsers: number;
  numbersAssigned: number;
  sipDevices: number;
}

/** A measured day: the answered talk time of an enterprise's calls that started that day. */
export interface TalkTimeRow {
  enterpriseAccountId: string;
  day: string;
  talkSeconds: number;
}

export interface ScopedAccount {
  id: string;
  kind: "operator" | "partner" | "enterprise";
  name: string;
  parentId: string | null;
  path: string;
}

/**
 * The usage snapshots. Every method takes the tenant scope first; snapshots are only ever inserted (never
 * updated), and `platform` holds the one platform-wide read the daily job starts from.
 */
export function usageRepository(db: Executor) {
  const mine = (scope: TenantScope) => withinScope(scope, usageSnapshots.enterpriseAccountId);
  const mineMeasured = (scope: TenantScope) => withinScope(scope, usageCallMinutes.enterpriseAccountId);
  const enterprisesIn = async (scope: TenantScope, tx: Executor) =>
    new Set(
      (
        await tx
          .select({ id: accounts.id, kind: accounts.kind })
          .from(accounts)
          .where(withinScope(scope, accounts.id))
      )
        .filter((a) => a.kind === "enterprise")
        .map((a) => a.id),
    );
  return {
    /** The scope's account and every account below it, partners and enterprises alike. */
    async accounts(scope: TenantScope, tx: Executor = db): Promise<ScopedAccount[]> {
      return tx
        .select({
          id: accounts.id,
          kind: accounts.kind,
          name: accounts.name,
          parentId: accounts.parentId,
          path: accounts.path,
        })
        .from(accounts)
        .where(withinScope(scope, accounts.id))
        .orderBy(asc(accounts.name), asc(accounts.id));
    },

    /** Each enterprise's latest snapshot day before `day` in the scope. */
    async latestDaysBefore(scope: TenantScope, day: string, tx: Executor = db): Promise<Map<string, string>> {
      const rows = await tx
        .select({ id: usageSnapshots.enterpriseAccountId, day: max(usageSnapshots.day) })
        .from(usageSnapshots)
        .where(and(mine(scope), lt(usageSnapshots.day, day)))
        .groupBy(usageSnapshots.enterpriseAccountId);
      return new Map(rows.flatMap((r) => (r.day ? [[r.id, r.day] as const] : [])));
    },

    /** Writes the snapshots the scope does not have yet; an existing (enterprise, day) is left as it was. */
    async insertMissing(scope: TenantScope, rows: SnapshotRow[], tx: Executor = db): Promise<number> {
      if (rows.length === 0) return 0;
      const inScope = await enterprisesIn(scope, tx);
      const values = rows.filter((r) => inScope.has(r.enterpriseAccountId));
      if (values.length === 0) return 0;
      const written = await tx
        .insert(usageSnapshots)
        .values(values)
        .onConflictDoNothing()
        .returning({ id: usageSnapshots.enterpriseAccountId });
      return written.length;
    },

    /** The scope's snapshots from `from` to `to` (inclusive, YYYY-MM-DD), by enterprise and day. */
    async between(scope: TenantScope, from: string, to: string, tx: Executor = db): Promise<SnapshotRow[]> {
      return tx
        .select({
          enterpriseAccountId: usageSnapshots.enterpriseAccountId,
          day: usageSnapshots.day,
          callingEnabledUsers: usageSnapshots.callingEnabledUsers,
          numbersAssigned: usageSnapshots.numbersAssigned,
          sipDevices: usageSnapshots.sipDevices,
        })
        .from(usageSnapshots)
        .where(and(mine(scope), between(usageSnapshots.day, from, to)))
        .orderBy(asc(usageSnapshots.enterpriseAccountId), asc(usageSnapshots.day));
    },

    /** Each enterprise's first snapshot day in the scope: the day it entered the report. */
    async firstSnapshotDays(scope: TenantScope, tx: Executor = db): Promise<Map<string, string>> {
      const rows = await tx
        .select({ id: usageSnapshots.enterpriseAccountId, day: min(usageSnapshots.day) })
        .from(usageSnapshots)
        .where(mine(scope))
        .groupBy(usageSnapshots.enterpriseAccountId);
      return new Map(rows.flatMap((r) => (r.day ? [[r.id, r.day] as const] : [])));
    },

    /** Each enterprise's latest measured day (talk time) before `day` in the scope. */
    async latestMeasuredBefore(
      scope: TenantScope,
      day: string,
      tx: Executor = db,
    ): Promise<Map<string, string>> {
      const rows = await tx
        .select({ id: usageCallMinutes.enterpriseAccountId, day: max(usageCallMinutes.day) })
        .from(usageCallMinutes)
        .where(and(mineMeasured(scope), lt(usageCallMinutes.day, day)))
        .groupBy(usageCallMinutes.enterpriseAccountId);
      return new Map(rows.flatMap((r) => (r.day ? [[r.id, r.day] as const] : [])));
    },

    /** Writes the measured days the scope does not have yet; an existing (enterprise, day) is left as it was. */
    async insertTalkTime(scope: TenantScope, rows: TalkTimeRow[], tx: Executor = db): Promise<number> {
      if (rows.length === 0) return 0;
      const inScope = await enterprisesIn(scope, tx);
      const values = rows.filter((r) => inScope.has(r.enterpriseAccountId));
      if (values.length === 0) return 0;
      const written = await tx
        .insert(usageCallMinutes)
        .values(values)
        .onConflictDoNothing()
        .returning({ id: usageCallMinutes.enterpriseAccountId });
      return written.length;
    },

    /** The scope's measured days from `from` to `to` (inclusive, YYYY-MM-DD). */
    async talkTimeBetween(
      scope: TenantScope,
      from: string,
      to: string,
      tx: Executor = db,
    ): Promise<TalkTimeRow[]> {
      return tx
        .select({
          enterpriseAccountId: usageCallMinutes.enterpriseAccountId,
          day: usageCallMinutes.day,
          talkSeconds: usageCallMinutes.talkSeconds,
        })
        .from(usageCallMinutes)
        .where(and(mineMeasured(scope), between(usageCallMinutes.day, from, to)));
    },

    platform: {
      /** The roots of the account tree (operators): the daily job walks each one's scope. */
      async roots(tx: Executor = db) {
        return tx
          .select({ id: accounts.id, path: accounts.path })
          .from(accounts)
          .where(isNull(accounts.parentId));
      },
    },
  };
}

export type UsageRepository = ReturnType<typeof usageRepository>;
