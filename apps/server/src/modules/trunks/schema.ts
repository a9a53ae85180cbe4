import { sql } from "drizzle-orm";
import { integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export const sipTransport = pgEnum("sip_transport", ["UDP", "TCP", "TLS"]);
export const trunkMode = pgEnum("trunk_mode", ["registration", "static-ip"]);
export const trunkStatus = pgEnum("trunk_status", ["pending", "active", "disabled"]);
/**
 * Transfers by a Teams user: "teams" removes REFER from Allow toward Microsoft so Teams performs the
 * transfer itself; "route" lets REFER reach the PBX and routes its transfer INVITE back to Microsoft.
 */
export const TRANSFER_MODES = ["teams", "route"] as const;
export const trunkTransferMode = pgEnum("trunk_transfer_mode", TRANSFER_MODES);

/** One per enterprise: the derived trunk FQDN on the Teams side, and the SIP side towards the PBX. */
export const trunkProfiles = pgTable(
  "trunk_profiles",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    fqdn: text("fqdn").notNull(),
    pbxHost: text("pbx_host").notNull(),
    pbxPort: integer("pbx_port").notNull(),
    transport: sipTransport("transport").notNull(),
    sipDomain: text("sip_domain").notNull(),
    /** The realm of the PBX's digest challenges; null: the SIP domain. The SBC stores HA1 for this realm. */
    pbxRealm: text("pbx_realm"),
    outboundProxy: text("outbound_proxy"),
    mode: trunkMode("mode").notNull(),
    allowedIps: text("allowed_ips").array().notNull(),
    maxConcurrentCalls: integer("max_concurrent_calls").notNull(),
    codecs: text("codecs").array().notNull(),
    transferMode: trunkTransferMode("transfer_mode").notNull().default("teams"),
    status: trunkStatus("status").notNull().default("pending"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("trunk_profiles_enterprise_idx").on(table.enterpriseAccountId),
    uniqueIndex("trunk_profiles_fqdn_idx").on(sql`lower(${table.fqdn})`),
  ],
);

export type TrunkProfile = typeof trunkProfiles.$inferSelect;
