import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

/**
 * Users of the enterprise's Microsoft 365 tenant, as last seen by "Sync Teams Users" (Graph users/delta).
 * A user removed in Microsoft keeps its row with `removedAt` set, so its provisioning can be cleaned up.
 */
export const teamsUsers = pgTable(
  "teams_users",
  {
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** The Entra object id. */
    objectId: text("object_id").notNull(),
    userPrincipalName: text("user_principal_name").notNull(),
    displayName: text("display_name").notNull().default(""),
    mail: text("mail"),
    accountEnabled: boolean("account_enabled").notNull().default(true),
    usageLocation: text("usage_location"),
    hasTeamsPhone: boolean("has_teams_phone").notNull().default(false),
    isResourceAccount: boolean("is_resource_account").notNull().default(false),
    /** Enabled, homed online, Teams Phone (MCOEV) plan enabled, not a resource account. */
    eligible: boolean("eligible").notNull().default(false),
    /** Why not eligible, e.g. "No Teams Phone licence"; null when eligible. */
    ineligibleReason: text("ineligible_reason"),
    removedAt: timestamp("removed_at", { withTimezone: true }),
    syncedAt: timestamp("synced_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.enterpriseAccountId, table.objectId] }),
    /**
     * Address lookups, prefix search and the address order (`using ~<~`, the index's own byte order). A UPN is
     * ASCII ("A - Z, a - z, 0 - 9, ' . - _ ! # ^ ~", Graph's user resource), so byte order is alphabetical.
     */
    index("teams_users_upn_idx").using(
      "btree",
      table.enterpriseAccountId,
      sql`lower(${table.userPrincipalName}) text_pattern_ops`,
    ),
    /** The Users page's keyset: the shown name (the address when there is no name), then the object id. */
    index("teams_users_shown_name_idx").on(
      table.enterpriseAccountId,
      sql`lower(coalesce(nullif(${table.displayName}, ''), ${table.userPrincipalName}))`,
      table.objectId,
    ),
  ],
);

export const syncStatus = pgEnum("teams_user_sync_status", [
  "idle",
  "queued",
  "running",
  "completed",
  "failed",
]);

/** One per enterprise: the stored delta link and the progress/result of the latest sync. */
export const teamsUserSyncs = pgTable("teams_user_syncs", {
  enterpriseAccountId: uuid("enterprise_account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  status: syncStatus("status").notNull().default("idle"),
  /** Graph `@odata.deltaLink` of the last completed round; null means the next sync is a full one. */
  deltaLink: text("delta_link"),
  /** The `@odata.nextLink` being followed while a round runs (resumes after a restart). */
  nextLink: text("next_link"),
  pages: integer("pages").notNull().default(0),
  usersSeen: integer("users_seen").notNull().default(0),
  added: integer("added").notNull().default(0),
  updated: integer("updated").notNull().default(0),
  removed: integer("removed").notNull().default(0),
  fullSync: boolean("full_sync").notNull().default(true),
  lastError: text("last_error"),
  startedAt: timestamp("started_at", { withTimezone: true }),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * What a provisioned user should be: desired calling state, and how far the job got.
 * - `pending-consent`: the enterprise has no Microsoft connection yet; the job runs once it has.
 * - `queued`/`running`: the provisioning job works through `steps`.
 * - `done`: Microsoft's read-back matched the desired state.
 * - `failed`: `lastError` says why; a retry re-runs from the first unfinished step.
 */
export const provisioningStatus = pgEnum("provisioning_status", [
  "pending-consent",
  "queued",
  "running",
  "done",
  "failed",
]);

export interface ProvisioningStep {
  key: string;
  status: "pending" | "running" | "done" | "skipped" | "failed";
  at?: string;
  error?: string;
  /** e.g. the Graph operation URL being followed, so a restart resumes instead of repeating. */
  data?: Record<string, unknown>;
}

/**
 * A Teams user connected to the PBX ("Add User"): Teams user ↔ PBX location ↔ SIP user ↔ number ↔ voice route.
 * Read by the SBC module: (pbxLocation, sipUser) ↔ phoneNumber ↔ teamsUserObjectId, with devices in `sip_devices`.
 */
export const provisionedUsers = pgTable(
  "provisioned_users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    teamsUserObjectId: text("teams_user_object_id").notNull(),
    userPrincipalName: text("user_principal_name").notNull(),
    displayName: text("display_name").notNull().default(""),
    pbxLocation: text("pbx_location").notNull(),
    /** SBC region id (the "voice route"). */
    regionId: uuid("region_id").notNull(),
    /** The extension on the PBX; unique per PBX location of the enterprise. */
    sipUser: text("sip_user").notNull(),
    /** E.164; unique across the platform. */
    phoneNumber: text("phone_number").notNull(),
    disableVoicemail: boolean("disable_voicemail").notNull().default(true),
    assignDialPlan: boolean("assign_dial_plan").notNull().default(true),
    /** Desired: calling enabled in Teams (number + policies) or not. */
    callingEnabled: boolean("calling_enabled").notNull().default(true),
    /** Set when the user should be removed: the job deprovisions, then deletes the row. */
    deleting: boolean("deleting").notNull().default(false),
    /** The Teams user was removed in Microsoft: this provisioning needs cleanup. */
    cleanupRequired: boolean("cleanup_required").notNull().default(false),
    status: provisioningStatus("status").notNull().default("queued"),
    steps: jsonb("steps").$type<ProvisioningStep[]>().notNull().default([]),
    lastError: text("last_error"),
    /** Read back from Microsoft (userConfigurations) at the end of the last run. */
    observed: jsonb("observed").$type<{
      enterpriseVoiceEnabled: boolean;
      numbers: string[];
      policies: Record<string, string>;
      at: string;
    } | null>(),
    lastRunAt: timestamp("last_run_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("provisioned_users_teams_user_idx").on(table.enterpriseAccountId, table.teamsUserObjectId),
    uniqueIndex("provisioned_users_sip_user_idx").on(
      table.enterpriseAccountId,
      table.pbxLocation,
      table.sipUser,
    ),
    uniqueIndex("provisioned_users_number_idx").on(table.phoneNumber),
    /**
     * Number search on the Users page ("contains" digits): trigram (pg_trgm, migration 0005). Without a pending
     * list (fastupdate off, migration 0027): numbers arrive a few at a time, and every search would read the list.
     */
    index("provisioned_users_number_trgm_idx")
      .using("gin", sql`${table.phoneNumber} gin_trgm_ops`)
      .with({ fastupdate: "off" }),
    index("provisioned_users_status_idx").on(table.enterpriseAccountId, table.status),
  ],
);

/** SIP devices (registrations) of a provisioned user. Read by the SBC module; the password is sealed. */
export const sipDevices = pgTable(
  "sip_devices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    provisionedUserId: uuid("provisioned_user_id")
      .notNull()
      .references(() => provisionedUsers.id, { onDelete: "cascade" }),
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** "SIP Authentication ID"; unique per enterprise. */
    authId: text("auth_id").notNull(),
    /** AES-256-GCM via the secret box, associated data `sip-device:<id>`. */
    passwordSealed: text("password_sealed").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("sip_devices_auth_id_idx").on(table.enterpriseAccountId, table.authId),
    index("sip_devices_user_idx").on(table.provisionedUserId),
  ],
);

/** Object id of a user typed by UPN before consent (`pending:<upn>`); resolved when provisioning starts. */
export const PENDING_PREFIX = "pending:";

export type TeamsUser = typeof teamsUsers.$inferSelect;
export type TeamsUserSync = typeof teamsUserSyncs.$inferSelect;
export type ProvisionedUser = typeof provisionedUsers.$inferSelect;
export type SipDevice = typeof sipDevices.$inferSelect;
