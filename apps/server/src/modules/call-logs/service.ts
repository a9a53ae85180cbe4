import { Problem } from "../../http/problem.js";
import { type TenantScope, tenantScope } from "../tenancy/index.js";
import type {
  CallDirection,
  CallRecord,
  CallRecordQuery,
  CallRecordsRepository,
  CallResult,
} from "./records.js";
import { resultOf } from "./records.js";
import type { CallLogsRepository, CallLogUser } from "./repository.js";

export interface CallLogFilters {
  from?: Date | undefined;
  to?: Date | undefined;
  direction?: CallDirection | undefined;
  result?: CallResult | undefined;
  teamsUserId?: string | undefined;
  number?: string | undefined;
}

/** One call as the portal shows it: the CDR, its enterprise and the Teams user its number belongs to. */
export interface CallLog {
  id: number;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  /** Talk time in seconds (answer to hang-up); 0 when not answered. */
  durationSeconds: number;
  direction: CallDirection;
  result: CallResult;
  sipCode: string | null;
  sipReason: string | null;
  fromNumber: string;
  toNumber: string;
  enterprise: { id: string; name: string };
  trunkFqdn: string;
  teamsUser: { id: string; displayName: string; userPrincipalName: string } | null;
  teamsUserNumber: string;
  microsoftProxy: string | null;
  callId: string;
}

const CURSOR_KEY = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

function encodeCursor(record: { startedKey: string; id: number }) {
  return Buffer.from(`${record.startedKey}|${record.id}`).toString("base64url");
}

/** A cursor of this listing, or null when it was not made here (the route refuses it with 400). */
export function decodeCallLogCursor(cursor: string): { startedKey: string; id: number } | null {
  const [key, id] = Buffer.from(cursor, "base64url").toString().split("|");
  if (!key || !CURSOR_KEY.test(key) || !id || !/^\d{1,10}$/.test(id)) return null;
  return { startedKey: key, id: Number(id) };
}

const durationOf = (record: CallRecord) =>
  record.answeredAt && record.endedAt
    ? Math.max(0, Math.round((record.endedAt.getTime() - record.answeredAt.getTime()) / 10) / 100)
    : 0;

/** Reading the call logs of an account and everything below it. */
export function callLogsService(deps: {
  portal: Pick<CallLogsRepository, "enterprises" | "usersByNumber" | "user">;
  records: Pick<CallRecordsRepository, "list">;
}) {
  /** The enterprises whose calls `scope` sees, narrowed to a Teams user's enterprise and number. */
  async function resolve(scope: TenantScope, filters: CallLogFilters) {
    const enterprises = await deps.portal.enterprises(scope);
    let user: CallLogUser | undefined;
    if (filters.teamsUserId) {
      user = await deps.portal.user(scope, filters.teamsUserId);
      if (!user) throw Problem.notFound("No such Teams user in this account.");
    }
    const names = new Map(enterprises.map((e) => [e.id, e.name]));
    const enterpriseIds = user ? [user.enterpriseId] : enterprises.map((e) => e.id);
    return { names, enterpriseIds, userNumber: user?.number };
  }

  async function describe(scope: TenantScope, names: Map<string, string>, records: CallRecord[]) {
    const numbers = [...new Set(records.map((r) => r.userNumber).filter(Boolean))];
    const users = await deps.portal.usersByNumber(scope, numbers);
    const byKey = new Map(users.map((u) => [`${u.enterpriseId}|${u.number}`, u]));
    return records.map((record): CallLog => {
      const user = byKey.get(`${record.enterpriseId}|${record.userNumber}`);
      return {
        id: record.id,
        startedAt: record.startedAt,
        answeredAt: record.answeredAt,
        endedAt: record.endedAt,
        durationSeconds: durationOf(record),
        direction: record.direction,
        result: resultOf(record.sipCode),
        sipCode: record.sipCode,
        sipReason: record.sipReason,
        fromNumber: record.fromNumber,
        toNumber: record.toNumber,
        enterprise: { id: record.enterpriseId, name: names.get(record.enterpriseId) ?? "" },
        trunkFqdn: record.trunkFqdn,
        teamsUser: user
          ? { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName }
          : null,
        teamsUserNumber: record.userNumber,
        microsoftProxy: record.proxy,
        callId: record.callId,
      };
    });
  }

  function query(
    resolved: { enterpriseIds: string[]; userNumber: string | undefined },
    filters: CallLogFilters,
  ): Omit<CallRecordQuery, "limit" | "after"> {
    return {
      enterpriseIds: resolved.enterpriseIds,
      from: filters.from,
      to: filters.to,
      direction: filters.direction,
      result: filters.result,
      userNumber: resolved.userNumber,
      number: filters.number,
    };
  }

  return {
    /** One page, newest first, and the cursor of the next one (null: this is the last). */
    async listCallLogs(
      account: { id: string; path: string },
      filters: CallLogFilters & { cursor?: string | undefined; limit?: number | undefined },
    ) {
      const scope = tenantScope(account);
      const limit = Math.min(filters.limit ?? 50, 500);
      const resolved = await resolve(scope, filters);
      if (resolved.enterpriseIds.length === 0) return { items: [], nextCursor: null };
      const after = filters.cursor ? (decodeCallLogCursor(filters.cursor) ?? undefined) : undefined;
      const rows = await deps.records.list({ ...query(resolved, filters), after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        items: await describe(scope, resolved.names, page),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
      };
    },

    /** Every matching call, newest first, a page at a time (for the CSV export). */
    async *allCallLogs(account: { id: string; path: string }, filters: CallLogFilters, pageSize = 1_000) {
      const scope = tenantScope(account);
      const resolved = await resolve(scope, filters);
      if (resolved.enterpriseIds.length === 0) return;
      let after: { startedKey: string; id: number } | undefined;
      for (;;) {
        const rows = await deps.records.list({ ...query(resolved, filters), after, limit: pageSize });
        if (rows.length > 0) yield await describe(scope, resolved.names, rows);
        if (rows.length < pageSize) return;
        after = rows[rows.length - 1]!;
      }
    },
  };
}

export type CallLogsService = ReturnType<typeof callLogsService>;
