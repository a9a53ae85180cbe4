import { integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export const setupStatus = pgEnum("setup_status", ["queued", "running", "waiting", "completed", "failed"]);
export const setupStepStatus = pgEnum("setup_step_status", [
  "pending",
  "running",
  "waiting",
  "done",
  "failed",
]);

/** The Direct Routing setup of one enterprise's tenant: overall state of the latest run. */
export const directRoutingSetups = pgTable("direct_routing_setups", {
  enterpriseAccountId: uuid("enterprise_account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  tenantId: uuid("tenant_id").notNull(),
  status: setupStatus("status").notNull(),
  lastError: text("last_error"),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  completedAt: timestamp("completed_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One checklist line per step; `data` keeps what later steps need (TXT record, activation user id…). */
export const directRoutingSetupSteps = pgTable(
  "direct_routing_setup_steps",
  {
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    status: setupStepStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.enterpriseAccountId, table.key] })],
);

export type DirectRoutingSetup = typeof directRoutingSetups.$inferSelect;
export type DirectRoutingSetupStep = typeof directRoutingSetupSteps.$inferSelect;

/**
 * The carrier's base-domain trunk (`New-CsOnlinePSTNGateway` in the carrier's own tenant; one row,
 * `id = 'default'`). The tenant link itself is a `microsoft_connections` row of the operator account.
 * `status` is the last apply: `configuring`, `ready` or `failed` (with `error`); null before the first one.
 */
export const carrierTrunk = pgTable("carrier_trunk", {
  id: text("id").primaryKey().default("default"),
  sipSignalingPort: integer("sip_signaling_port").notNull().default(5061),
  maxConcurrentSessions: integer("max_concurrent_sessions").notNull().default(100),
  status: text("status"),
  error: text("error"),
  /** The gateway FQDN last applied (the SBC base domain at that time). */
  appliedFqdn: text("applied_fqdn"),
  appliedAt: timestamp("applied_at", { withTimezone: true }),
  /** Since when the apply waits for Microsoft (the Teams Administrator role reaching the app's tokens). */
  waitingSince: timestamp("waiting_since", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type CarrierTrunkRow = typeof carrierTrunk.$inferSelect;
