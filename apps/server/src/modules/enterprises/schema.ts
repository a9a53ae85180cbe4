import { integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export const enterpriseService = pgEnum("enterprise_service", ["teams-direct-routing"]);
export const enterpriseLifecycle = pgEnum("enterprise_lifecycle", ["active", "deleting"]);

/**
 * The customer profile of an enterprise account (the account row holds its name, parent and status).
 * Deleting runs as a job: it removes what sip2teams created in the tenant, then the records.
 */
export const enterprises = pgTable("enterprises", {
  accountId: uuid("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  adminName: text("admin_name").notNull(),
  adminEmail: text("admin_email").notNull(),
  /** SBC region ids the enterprise may route through. */
  regionIds: uuid("region_ids").array().notNull(),
  services: enterpriseService("services").array().notNull(),
  userLimit: integer("user_limit").notNull(),
  billingReference: text("billing_reference"),
  lifecycle: enterpriseLifecycle("lifecycle").notNull().default("active"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Enterprise = typeof enterprises.$inferSelect;
export type EnterpriseService = (typeof enterpriseService.enumValues)[number];
