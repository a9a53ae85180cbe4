import { date, index, integer, pgTable, primaryKey, timestamp, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

/**
 * One row per enterprise and day (UTC): its seat figures as the daily snapshot job saw them. A row is written
 * once and never updated, so a past month's report does not change when today's data does. A day the job
 * missed is written by its next run with the figures of that run (`takenAt` says when).
 */
export const usageSnapshots = pgTable(
  "usage_snapshots",
  {
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    callingEnabledUsers: integer("calling_enabled_users").notNull(),
    numbersAssigned: integer("numbers_assigned").notNull(),
    sipDevices: integer("sip_devices").notNull(),
    takenAt: timestamp("taken_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.enterpriseAccountId, table.day] }),
    index("usage_snapshots_day_idx").on(table.day),
  ],
);

export type UsageSnapshot = typeof usageSnapshots.$inferSelect;

/**
 * One row per enterprise and closed UTC day: the answered talk time of the calls that started that day, as
 * the SBC's call logs held it when the daily job measured the day (once, after the day ended). Like the
 * snapshots, a row is written once and never updated, so a month keeps its minutes after the CDRs are purged.
 * No row: the day was not measured (the call logs could not be read).
 */
export const usageCallMinutes = pgTable(
  "usage_call_minutes",
  {
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    /** Seconds, summed per day; the report turns a month's sum into minutes (rounded once). */
    talkSeconds: integer("talk_seconds").notNull(),
    takenAt: timestamp("taken_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.enterpriseAccountId, table.day] })],
);
