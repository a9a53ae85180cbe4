import { Problem } from "../../http/problem.js";
import { csvCell, type SeatFigures, seatFigures } from "../teams-users/index.js";
import { type TenantScope, tenantScope } from "../tenancy/index.js";
import { addDays, daysBetween, firstDayOf, lastDayOf, utcDay } from "./days.js";
import {
  MAX_CATCH_UP_DAYS,
  type MinutesDeps,
  type MonthTalkTime,
  measureClosedDays,
  minutesOf,
  monthTalkTime,
} from "./minutes.js";
import { type ScopedAccount, type SnapshotRow, usageRepository } from "./repository.js";

export const MINUTES_NOT_MEASURED =
  "Minutes are not available for this month: the SBC's call logs could not be read for any of its days.";
export const MINUTES_PARTLY_MEASURED =
  "Minutes count only the days measured from the SBC's call logs: some days of this month could not be read.";

export interface UsageFigures {
  /** The most users with calling enabled on any day of the month. */
  callingEnabledPeak: number;
  /** Users with calling enabled on the month's last day (so far, for the current month). */
  callingEnabledEnd: number;
  /** Numbers assigned to users at the end of the month (so far). */
  numbersAssigned: number;
  /** SIP devices at the end of the month (so far). */
  sipDevices: number;
  /**
   * Answered call minutes of the month (talk time, rounded on the month's sum); null when no day of the
   * month could be measured from the SBC's call logs.
   */
  minutes: number | null;
}

export interface EnterpriseUsage extends UsageFigures {
  accountId: string;
  name: string;
  /** The account directly above, when it lies in the report's scope. */
  parentAccountId: string | null;
  parentName: string | null;
  /** Days of the month with figures (snapshots, plus today's live figures in the current month). */
  days: number;
}

export interface UsageRollUp extends UsageFigures {
  accountId: string;
  kind: "operator" | "partner" | "enterprise";
  name: string;
  enterprises: number;
}

export interface UsageReport {
  month: string;
  /** The last day counted: the month's last day, or today in the current month. */
  asOf: string;
  /** False for the current month: its figures are "so far" and include today's live figures. */
  complete: boolean;
  minutesNote: string | null;
  enterprises: EnterpriseUsage[];
  /** One roll-up per partner in the scope (sub-partners included), over every enterprise below it. */
  partners: UsageRollUp[];
  /** The roll-up of the account the report was asked for. */
  total: UsageRollUp;
}

type Deps = MinutesDeps;
type Point = Omit<SnapshotRow, "enterpriseAccountId">;

const zero = (id: string): SeatFigures => ({
  enterpriseAccountId: id,
  callingEnabledUsers: 0,
  numbersAssigned: 0,
  sipDevices: 0,
});

/**
 * The daily snapshot: every enterprise's seat figures for `today` (UTC), and for the days it missed since its
 * latest snapshot (at most MAX_CATCH_UP_DAYS), taken now; then the talk time of the closed days not measured
 * yet (`minutes.ts`). Idempotent: a day already written stays as it was. `minutesWritten` is null when the
 * SBC's call logs could not be read.
 */
export async function takeDailySnapshots(
  deps: Deps,
  today: string,
): Promise<{ written: number; minutesWritten: number | null }> {
  const repository = usageRepository(deps.db);
  let written = 0;
  let minutesWritten: number | null = 0;
  for (const root of await repository.platform.roots()) {
    const scope = tenantScope(root);
    const enterprises = (await repository.accounts(scope)).filter((a) => a.kind === "enterprise");
    const live = new Map((await seatFigures(deps.db, scope)).map((f) => [f.enterpriseAccountId, f]));
    const latest = await repository.latestDaysBefore(scope, today);
    const rows = enterprises.flatMap((enterprise) => {
      const last = latest.get(enterprise.id);
      const days = last ? daysBetween(last, today, MAX_CATCH_UP_DAYS) : [today];
      const figures = live.get(enterprise.id) ?? zero(enterprise.id);
      return days.map((day) => ({ ...figures, day }));
    });
    written += await repository.insertMissing(scope, rows);
    const ids = enterprises.map((e) => e.id);
    const measured = await measureClosedDays(deps, scope, ids, today);
    minutesWritten = measured === null || minutesWritten === null ? null : minutesWritten + measured;
  }
  return { written, minutesWritten };
}

/** Seats and usage of `month` for the account and everything below it. */
export async function usageReport(
  deps: Deps,
  account: ScopedAccount,
  month: string,
  now = new Date(),
): Promise<UsageReport> {
  const today = utcDay(now);
  if (month > today.slice(0, 7)) throw Problem.field("month", "This month has not started yet.");
  const scope: TenantScope = tenantScope(account);
  const repository = usageRepository(deps.db);
  const lastDay = lastDayOf(month);
  const complete = lastDay < today;
  const asOf = complete ? lastDay : today;
  const accounts = await repository.accounts(scope);
  const points = new Map<string, Point[]>();
  for (const { enterpriseAccountId, ...point } of await repository.between(scope, firstDayOf(month), asOf)) {
    points.set(enterpriseAccountId, [...(points.get(enterpriseAccountId) ?? []), point]);
  }
  if (!complete) {
    // The current month: today's live figures stand in for (or replace) today's snapshot.
    const live = new Map((await seatFigures(deps.db, scope)).map((f) => [f.enterpriseAccountId, f]));
    for (const enterprise of accounts.filter((a) => a.kind === "enterprise")) {
      const { enterpriseAccountId: _, ...figures } = live.get(enterprise.id) ?? zero(enterprise.id);
      const earlier = (points.get(enterprise.id) ?? []).filter((p) => p.day < today);
      points.set(enterprise.id, [...earlier, { ...figures, day: today }]);
    }
  }
  const enterpriseIds = accounts.filter((a) => a.kind === "enterprise").map((a) => a.id);
  const talk = await monthTalkTime(
    deps,
    scope,
    enterpriseIds,
    firstDayOf(month),
    complete ? lastDay : addDays(today, -1),
    complete ? undefined : today,
  );

  const byId = new Map(accounts.map((a) => [a.id, a]));
  const enterprises: EnterpriseUsage[] = [];
  const unmeasured: string[] = [];
  for (const enterprise of accounts) {
    const series = points.get(enterprise.id);
    if (enterprise.kind !== "enterprise" || !series?.length) continue;
    const parent = enterprise.parentId ? byId.get(enterprise.parentId) : undefined;
    enterprises.push({
      accountId: enterprise.id,
      name: enterprise.name,
      parentAccountId: parent?.id ?? null,
      parentName: parent?.name ?? null,
      days: series.length,
      ...figuresOf(series, talk.get(enterprise.id)),
    });
    if (series.some((p) => !talk.get(enterprise.id)?.days.has(p.day))) unmeasured.push(enterprise.id);
  }
  const rollUp = (over: ScopedAccount): UsageRollUp => {
    const below = enterprises.filter((e) => byId.get(e.accountId)?.path.startsWith(over.path));
    return { accountId: over.id, kind: over.kind, name: over.name, enterprises: below.length, ...sum(below) };
  };
  return {
    month,
    asOf,
    complete,
    minutesNote: minutesNote(enterprises, unmeasured),
    enterprises,
    partners: accounts.filter((a) => a.kind === "partner").map(rollUp),
    total: rollUp(byId.get(account.id) ?? account),
  };
}

/** Null when every day of every enterprise's series is measured; else says whether none or some were. */
function minutesNote(enterprises: EnterpriseUsage[], unmeasured: string[]): string | null {
  if (unmeasured.length === 0) return null;
  return enterprises.every((e) => e.minutes === null) ? MINUTES_NOT_MEASURED : MINUTES_PARTLY_MEASURED;
}

function figuresOf(series: Point[], talk: MonthTalkTime | undefined): UsageFigures {
  const end = series[series.length - 1]!;
  return {
    callingEnabledPeak: Math.max(...series.map((p) => p.callingEnabledUsers)),
    callingEnabledEnd: end.callingEnabledUsers,
    numbersAssigned: end.numbersAssigned,
    sipDevices: end.sipDevices,
    minutes: talk ? minutesOf(talk.seconds) : null,
  };
}

/**
 * A roll-up adds its enterprises' figures; its peak is the sum of their peaks (each enterprise is billed on its
 * own); its minutes are the sum of the enterprises' measured minutes, null only when none was measured.
 */
function sum(rows: UsageFigures[]): UsageFigures {
  const add = (key: keyof Omit<UsageFigures, "minutes">) => rows.reduce((total, r) => total + r[key], 0);
  return {
    callingEnabledPeak: add("callingEnabledPeak"),
    callingEnabledEnd: add("callingEnabledEnd"),
    numbersAssigned: add("numbersAssigned"),
    sipDevices: add("sipDevices"),
    minutes: rows.some((r) => r.minutes !== null)
      ? rows.reduce((total, r) => total + (r.minutes ?? 0), 0)
      : null,
  };
}

const CSV_HEADER = [
  "Level",
  "Account ID",
  "Account",
  "Parent",
  "Calling enabled (peak)",
  "Calling enabled (end of month)",
  "Numbers assigned",
  "SIP devices",
  "Minutes",
];

/** The report as CSV, CRLF line ends: one line per enterprise, then per partner roll-up, then the total. */
export function usageCsv(report: UsageReport): string {
  const figures = (f: UsageFigures) => [
    f.callingEnabledPeak,
    f.callingEnabledEnd,
    f.numbersAssigned,
    f.sipDevices,
    f.minutes,
  ];
  const lines = [
    CSV_HEADER,
    ...report.enterprises.map((e) => ["enterprise", e.accountId, e.name, e.parentName, ...figures(e)]),
    ...report.partners.map((p) => ["partner", p.accountId, p.name, null, ...figures(p)]),
    ["total", report.total.accountId, report.total.name, null, ...figures(report.total)],
  ];
  return `${lines.map((cells) => cells.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
