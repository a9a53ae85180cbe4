import { customType, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * An account's own brand (partner or operator). Every field is optional: the effective brand takes each
 * field from the nearest account up the tree (self first) that sets it.
 */
export const brands = pgTable("brands", {
  accountId: uuid("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  portalName: text("portal_name"),
  /** PNG or SVG, at most 200 KB; served from /api/brand/logo/{accountId}?v={logoHash}. */
  logo: bytea("logo"),
  logoContentType: text("logo_content_type"),
  /** SHA-256 (hex, first 16) of the logo bytes: the logo URL changes when the logo does. */
  logoHash: text("logo_hash"),
  primaryColor: text("primary_color"),
  supportEmail: text("support_email"),
  supportUrl: text("support_url"),
  mailSenderName: text("mail_sender_name"),
  mailSenderAddress: text("mail_sender_address"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** A custom host name (e.g. portal.partner.example) that shows its account's brand on the sign-in page. */
export const brandHosts = pgTable(
  "brand_hosts",
  {
    host: text("host").primaryKey(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("brand_hosts_account_idx").on(table.accountId)],
);

export type BrandRow = typeof brands.$inferSelect;
