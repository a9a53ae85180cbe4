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
    /** Call minutes of the day, once call logs exist; null: not measured. */
    callMinutes: integer("call_minutes"),
    takenAt: timestamp("taken_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.enterpriseAccountId, table.day] }),
    index("usage_snapshots_day_idx").on(table.day),
  ],
);

export type UsageSnapshot = typeof usageSnapshots.$inferSelect;
