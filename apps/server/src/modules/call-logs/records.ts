import type { SbcCallRecords } from "../sbc/index.js";

/** Which way a call went through the SBC. */
export type CallDirection = "pbx-to-teams" | "teams-to-pbx";
/** answered: a 2xx; missed: nobody answered (408, 480, 487: timeout, unavailable, caller hung up); failed: any other. */
export type CallResult = "answered" | "missed" | "failed";

export const MISSED_CODES = ["408", "480", "487"] as const;

export function resultOf(code: string | null): CallResult {
  if (code?.startsWith("2")) return "answered";
  if (code && (MISSED_CODES as readonly string[]).includes(code)) return "missed";
  return "failed";
}

/** One CDR as the SBC wrote it (Kamailio acc `acc_cdrs`, the `s2t_*` columns of sbc/kamailio/kamailio.cfg). */
export interface CallRecord {
  id: number;
  /** The keyset position: the start time as PostgreSQL prints it (microseconds, with offset). */
  startedKey: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  direction: CallDirection;
  enterpriseId: string;
  trunkFqdn: string;
  deviceId: string | null;
  /** The Teams user's number, +E.164. */
  userNumber: string;
  fromNumber: string;
  toNumber: string;
  sipCode: string | null;
  sipReason: string | null;
  /** The Microsoft SIP proxy the call went to or came from (sip:host:port). */
  proxy: string | null;
  callId: string;
}

export interface CallRecordQuery {
  enterpriseIds: readonly string[];
  from?: Date | undefined;
  to?: Date | undefined;
  direction?: CallDirection | undefined;
  result?: CallResult | undefined;
  userNumber?: string | undefined;
  /** Part of the calling or called number. */
  number?: string | undefined;
  /** Keyset: rows strictly after this position (newest first). */
  after?: { startedKey: string; id: number } | undefined;
  limit: number;
}

type Row = {
  id: number;
  started_key: string;
  started_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  direction: CallDirection;
  enterprise_id: string;
  fqdn: string | null;
  device_id: string | null;
  user_number: string | null;
  from_number: string | null;
  to_number: string | null;
  code: string | null;
  reason: string | null;
  proxy: string | null;
  call_id: string | null;
};

const emptyToNull = (value: string | null) => (value ? value : null);

/**
 * The SBC side of the call logs: CDR rows in the SBC database, through the sbc module's `SbcCallRecords`.
 * Tenancy is applied by the caller: it passes the enterprise ids in scope, and nothing outside them is read.
 */
export function callRecordsRepository(records: () => Promise<SbcCallRecords>) {
  return {
    async list(query: CallRecordQuery): Promise<CallRecord[]> {
      const values: unknown[] = [query.enterpriseIds];
      const where = ["s2t_enterprise = any($1::text[])", "s2t_started_at is not null"];
      const param = (value: unknown) => {
        values.push(value);
        return `$${values.length}`;
      };
      if (query.from) where.push(`s2t_started_at >= ${param(query.from)}`);
      if (query.to) where.push(`s2t_started_at <= ${param(query.to)}`);
      if (query.direction) where.push(`s2t_direction = ${param(query.direction)}`);
      if (query.result === "answered") where.push("s2t_code like '2%'");
      if (query.result === "missed") where.push(`s2t_code = any(${param(MISSED_CODES)}::text[])`);
      if (query.result === "failed")
        where.push(
          `coalesce(s2t_code, '') not like '2%' and coalesce(s2t_code, '') <> all(${param(MISSED_CODES)}::text[])`,
        );
      if (query.userNumber) where.push(`s2t_user_number = ${param(query.userNumber)}`);
      if (query.number) {
        const pattern = param(`%${query.number.replace(/[\\%_]/g, "\\$&")}%`);
        where.push(`(s2t_from like ${pattern} or s2t_to like ${pattern})`);
      }
      if (query.after) {
        where.push(
          `(s2t_started_at, id) < (${param(query.after.startedKey)}::timestamptz, ${param(query.after.id)}::integer)`,
        );
      }
      const rows = await (await records()).query<Row>(
        `select id, s2t_started_at::text as started_key, s2t_started_at as started_at,
                s2t_answered_at as answered_at, s2t_ended_at as ended_at, s2t_direction as direction,
                s2t_enterprise as enterprise_id, s2t_fqdn as fqdn, s2t_device as device_id,
                s2t_user_number as user_number, s2t_from as from_number, s2t_to as to_number,
                s2t_code as code, s2t_reason as reason, s2t_proxy as proxy, s2t_call_id as call_id
           from acc_cdrs
          where ${where.join(" and ")}
          order by s2t_started_at desc, id desc
          limit ${param(query.limit)}`,
        values,
      );
      return rows.map((row) => ({
        id: row.id,
        startedKey: row.started_key,
        startedAt: row.started_at,
        answeredAt: row.answered_at,
        endedAt: row.ended_at,
        direction: row.direction,
        enterpriseId: row.enterprise_id,
        trunkFqdn: row.fqdn ?? "",
        deviceId: emptyToNull(row.device_id),
        userNumber: row.user_number ?? "",
        fromNumber: row.from_number ?? "",
        toNumber: row.to_number ?? "",
        sipCode: emptyToNull(row.code),
        sipReason: emptyToNull(row.reason),
        proxy: emptyToNull(row.proxy),
        callId: row.call_id ?? "",
      }));
    },

    /**
     * Talk time of the answered calls (2xx; answer to hang-up) per enterprise and UTC day the call ended,
     * for the days `from`–`to` (inclusive, YYYY-MM-DD). Days without an answered call have no row. By end
     * day, because a CDR is written at hang-up: a day is complete once it is over, also for the calls that
     * were still up at midnight (by start day, a call up when its start day was measured was never counted).
     */
    async answeredSecondsByDay(enterpriseIds: readonly string[], from: string, to: string) {
      const rows = await (await records()).query<{ enterprise_id: string; day: string; seconds: number }>(
        `select s2t_enterprise as enterprise_id, (s2t_ended_at at time zone 'UTC')::date::text as day,
                sum(greatest(extract(epoch from (s2t_ended_at - s2t_answered_at)), 0))::float8 as seconds
           from acc_cdrs
          where s2t_enterprise = any($1::text[])
            and s2t_ended_at >= $2::date::timestamp at time zone 'UTC'
            and s2t_ended_at < ($3::date + 1)::timestamp at time zone 'UTC'
            and s2t_code like '2%' and s2t_answered_at is not null and s2t_ended_at is not null
          group by 1, 2`,
        [enterpriseIds, from, to],
      );
      return rows.map((row) => ({ enterpriseId: row.enterprise_id, day: row.day, seconds: row.seconds }));
    },

    /** Deletes CDRs that started before `before`, in batches; returns how many. */
    async purge(before: Date, batch = 5_000): Promise<number> {
      const db = await records();
      let total = 0;
      for (;;) {
        const deleted = await db.query<{ id: number }>(
          `delete from acc_cdrs where id in (
             select id from acc_cdrs
              where s2t_started_at < $1 or (s2t_started_at is null and start_time < $1::timestamptz at time zone 'UTC')
              limit $2)
           returning id`,
          [before, batch],
        );
        total += deleted.length;
        if (deleted.length < batch) return total;
      }
    },
  };
}

export type CallRecordsRepository = ReturnType<typeof callRecordsRepository>;
