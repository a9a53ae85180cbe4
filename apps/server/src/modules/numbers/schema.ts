import { index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export const numberState = pgEnum("phone_number_state", ["available", "reserved", "assigned", "quarantined"]);

/**
 * The number inventory. The operator or a partner uploads numbers (`holderAccountId`), allocates blocks to
 * enterprises (`enterpriseAccountId`), and the enterprise assigns them to users (`provisionedUserId`).
 * Released numbers stay `quarantined` until `quarantinedUntil`, then become available again.
 */
export const phoneNumbers = pgTable(
  "phone_numbers",
  {
    /** E.164, e.g. +12065550100. */
    number: text("number").primaryKey(),
    holderAccountId: uuid("holder_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    enterpriseAccountId: uuid("enterprise_account_id").references(() => accounts.id, {
      onDelete: "set null",
    }),
    state: numberState("state").notNull().default("available"),
    provisionedUserId: uuid("provisioned_user_id"),
    quarantinedUntil: timestamp("quarantined_until", { withTimezone: true }),
    /** Set when Microsoft reports the number assigned to someone else; never overwritten by us. */
    conflict: text("conflict"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("phone_numbers_holder_idx").on(table.holderAccountId, table.number),
    index("phone_numbers_enterprise_idx").on(table.enterpriseAccountId, table.state, table.number),
  ],
);

export type PhoneNumber = typeof phoneNumbers.$inferSelect;
