import type { Logger } from "pino";
import type { Executor } from "../../db/client.js";
import { answeredTalkTime, type CallLogsDeps, type DailyTalkTime } from "../call-logs/index.js";
import type { TenantScope } from "../tenancy/index.js";
import { addDays, daysBetween } from "./days.js";
import { usageRepository } from "./repository.js";

/** A missed day is caught up by the next run, back to at most this many days (snapshots and minutes alike). */
export const MAX_CATCH_UP_DAYS = 31;

export type MinutesDeps = { db: Executor; log: Logger } & Pick<CallLogsDeps, "sbc">;

/** An enterprise's minutes of a month: the talk time of the days counted, and which days those are. */
export interface MonthTalkTime {
  seconds: number;
  days: Set<string>;
}

/** The SBC's talk time per enterprise and day, or null when its call logs cannot be read (not set up, down). */
async function readTalkTime(
  deps: MinutesDeps,
  enterpriseIds: string[],
  from: string,
  to: string,
): Promise<DailyTalkTime[] | null> {
  try {
    return await answeredTalkTime(deps, enterpriseIds, from, to);
  } catch (error) {
    deps.log.warn({ err: error }, "the SBC's call logs could not be read: call minutes not measured");
    return null;
  }
}

/**
 * Measures the closed days (before `today`) not measured yet of each enterprise, from the day it entered the
 * report (its first snapshot) and at most MAX_CATCH_UP_DAYS back, and writes each once. Returns the days
 * written, or null when the call logs could not be read (nothing is written: the days stay unmeasured, and
 * the next run tries again).
 */
export async function measureClosedDays(
  deps: MinutesDeps,
  scope: TenantScope,
  enterpriseIds: string[],
  today: string,
): Promise<number | null> {
  const repository = usageRepository(deps.db);
  const yesterday = addDays(today, -1);
  const measured = await repository.latestMeasuredBefore(scope, today);
  const first = await repository.firstSnapshotDays(scope);
  const wanted = new Set<string>();
  let from = yesterday;
  for (const id of enterpriseIds) {
    const entered = first.get(id);
    const after = measured.get(id) ?? (entered ? addDays(entered, -1) : undefined);
    if (!after) continue;
    for (const day of daysBetween(after, yesterday, MAX_CATCH_UP_DAYS)) {
      wanted.add(`${id} ${day}`);
      if (day < from) from = day;
    }
  }
  if (wanted.size === 0) return 0;
  const ids = enterpriseIds.filter((id) => measured.has(id) || first.has(id));
  const talk = await readTalkTime(deps, ids, from, yesterday);
  if (!talk) return null;
  const rows = talk
    .filter((t) => wanted.has(`${t.enterpriseId} ${t.day}`))
    .map((t) => ({ enterpriseAccountId: t.enterpriseId, day: t.day, talkSeconds: t.seconds }));
  return repository.insertTalkTime(scope, rows);
}

/**
 * Each enterprise's talk time in `from`–`to`: the measured days, plus, when `today` is given (the current
 * month), the days not measured yet read live from the call logs (today, and a closed day before its first
 * run). An enterprise without any counted day is absent.
 */
export async function monthTalkTime(
  deps: MinutesDeps,
  scope: TenantScope,
  enterpriseIds: string[],
  from: string,
  to: string,
  today?: string,
): Promise<Map<string, MonthTalkTime>> {
  const counted = new Map<string, MonthTalkTime>();
  const add = (id: string, day: string, seconds: number) => {
    const month = counted.get(id) ?? { seconds: 0, days: new Set<string>() };
    if (month.days.has(day)) return;
    month.days.add(day);
    month.seconds += seconds;
    counted.set(id, month);
  };
  for (const row of await usageRepository(deps.db).talkTimeBetween(scope, from, to)) {
    add(row.enterpriseAccountId, row.day, row.talkSeconds);
  }
  if (today) {
    const unmeasured = enterpriseIds.flatMap((id) =>
      daysBetween(addDays(from, -1), today, MAX_CATCH_UP_DAYS).filter(
        (day) => !counted.get(id)?.days.has(day),
      ),
    );
    const earliest = unmeasured.reduce((a, b) => (a < b ? a : b), today);
    for (const t of (await readTalkTime(deps, enterpriseIds, earliest, today)) ?? []) {
      add(t.enterpriseId, t.day, t.seconds);
    }
  }
  return counted;
}

/** Talk time as whole minutes (rounded once, on the month's sum). */
export const minutesOf = (seconds: number) => Math.round(seconds / 60);
