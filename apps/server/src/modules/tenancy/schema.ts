import { sql } from "drizzle-orm";
import { boolean, index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const accountKind = pgEnum("account_kind", ["operator", "partner", "enterprise"]);
export const accountStatus = pgEnum("account_status", ["active", "suspended"]);

/**
 * The account tree: operator → partner (→ sub-partner …) → enterprise.
 * `path` is the chain of ids from the root, e.g. `/op-id/partner-id/`, so
 * "this account and everything below it" is one indexed prefix match.
 */
export const accounts = pgTable(
  "accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: accountKind("kind").notNull(),
    name: text("name").notNull(),
    parentId: uuid("parent_id"),
    path: text("path").notNull(),
    status: accountStatus("status").notNull().default("active"),
    /** Set by an Admin: every user of this account must use two-factor authentication. */
    requireTwoFactor: boolean("require_two_factor").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("accounts_path_idx").using("btree", sql`${table.path} text_pattern_ops`),
    index("accounts_parent_idx").on(table.parentId),
  ],
);

export type Account = typeof accounts.$inferSelect;
