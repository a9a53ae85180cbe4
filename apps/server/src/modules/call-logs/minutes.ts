import type { CallLogsDeps } from "./deps.js";
import { callRecordsOf } from "./deps.js";

/** Answered talk time of one enterprise on one UTC day. */
export interface DailyTalkTime {
  enterpriseId: string;
  /** The UTC day the calls started, YYYY-MM-DD. */
  day: string;
  /** Answer to hang-up of the day's answered (2xx) calls, summed; whole seconds. */
  seconds: number;
}

/**
 * Answered talk time per enterprise and UTC day (the day a call ended: its CDR is written then) for the days `from`–`to`
 * (inclusive, YYYY-MM-DD), from the SBC's CDRs: one entry for every enterprise and day asked about, 0 when
 * it had no answered call. The caller passes the enterprise ids it may see (tenancy is its own). Rejects
 * when the SBC database cannot be read (not set up, unreachable): nothing is then known, not zero.
 */
export async function answeredTalkTime(
  deps: Pick<CallLogsDeps, "sbc">,
  enterpriseIds: readonly string[],
  from: string,
  to: string,
): Promise<DailyTalkTime[]> {
  if (enterpriseIds.length === 0 || from > to) return [];
  const rows = await callRecordsOf(deps).answeredSecondsByDay(enterpriseIds, from, to);
  const seconds = new Map(rows.map((row) => [`${row.enterpriseId} ${row.day}`, row.seconds]));
  const days: string[] = [];
  for (let day = from; day <= to; day = nextDay(day)) days.push(day);
  return enterpriseIds.flatMap((enterpriseId) =>
    days.map((day) => ({
      enterpriseId,
      day,
      seconds: Math.round(seconds.get(`${enterpriseId} ${day}`) ?? 0),
    })),
  );
}

function nextDay(day: string): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + 1);
  return at.toISOString().slice(0, 10);
}
