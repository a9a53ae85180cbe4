import { sql } from "drizzle-orm";
import {
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export const portalRole = pgEnum("portal_role", ["Admin", "User", "Read-only"]);
export const portalUserStatus = pgEnum("portal_user_status", ["invited", "active", "disabled"]);

export const portalUsers = pgTable(
  "portal_users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: portalRole("role").notNull(),
    status: portalUserStatus("status").notNull().default("invited"),
    passwordHash: text("password_hash"),
    failedSignIns: integer("failed_sign_ins").notNull().default(0),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    /** TOTP secret sealed with the SecretBox; set once enrolment is confirmed. */
    totpSecret: text("totp_secret"),
    /** A secret being enrolled, not yet confirmed with a code. */
    totpPendingSecret: text("totp_pending_secret"),
    totpEnabledAt: timestamp("totp_enabled_at", { withTimezone: true }),
    /** The last accepted TOTP time step: codes at or before it are refused (replay protection). */
    totpLastStep: integer("totp_last_step"),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    // One activated user per address (sign-in finds users by email). Invitations not yet activated may
    // share an address, so inviting never reveals that an address exists elsewhere; activation refuses the
    // duplicate. Keep the predicate in step with `repository.ts: activated`.
    uniqueIndex("portal_users_email_idx")
      .on(sql`lower(${table.email})`)
      .where(sql`${table.status} = 'active' or ${table.passwordHash} is not null`),
    index("portal_users_email_lookup_idx").on(sql`lower(${table.email})`),
    index("portal_users_account_idx").on(table.accountId),
  ],
);

/**
 * Server-side sessions. Only the SHA-256 of the cookie value is stored; `publicId` is the opaque id the
 * Sessions list shows and ends sessions by (it cannot be turned into a cookie).
 */
export const sessions = pgTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    publicId: uuid("public_id").notNull().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => portalUsers.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (table) => [
    index("sessions_user_idx").on(table.userId),
    uniqueIndex("sessions_public_id_idx").on(table.publicId),
  ],
);

export type PortalUser = typeof portalUsers.$inferSelect;
export type PortalRole = (typeof portalRole.enumValues)[number];

export const userTokenPurpose = pgEnum("user_token_purpose", ["activation", "password-reset"]);

/** Single-use activation and password-reset tokens. Only hashes are stored. */
export const userTokens = pgTable(
  "user_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => portalUsers.id, { onDelete: "cascade" }),
    purpose: userTokenPurpose("purpose").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** Activation only: argon2id hash of the temporary password sent with the link. */
    temporaryPasswordHash: text("temporary_password_hash"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("user_tokens_hash_idx").on(table.tokenHash),
    index("user_tokens_user_idx").on(table.userId),
  ],
);

/** One-time TOTP recovery codes (SHA-256 hashes). */
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => portalUsers.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("recovery_codes_user_idx").on(table.userId)],
);

/**
 * Failure counters for rate limiting and lockout, shared by every API process.
 * `key` is e.g. `ip:203.0.113.7`, `user:alice@example.com`, `reset-ip:…`.
 */
export const authThrottle = pgTable("auth_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp("locked_until", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type UserToken = typeof userTokens.$inferSelect;

/**
 * One "Sign in with Microsoft" attempt (OpenID Connect, authorization code + PKCE). `id` is the OAuth `state`
 * (random, 32 bytes); the PKCE verifier is sealed. `usedAt` makes the callback single-use. A user with portal
 * two-factor whom Microsoft did not put through MFA is parked in `pendingUserId` until the code is given.
 * `purpose` "enable": a partner's or the operator's Admin (`accountId`, `startedByUserId`) links its own Entra
 * tenant for Microsoft sign-in.
 */
export const microsoftSignInFlows = pgTable("microsoft_sign_in_flows", {
  id: text("id").primaryKey(),
  purpose: text("purpose", { enum: ["sign-in", "enable"] }).notNull(),
  accountId: uuid("account_id").references(() => accounts.id, { onDelete: "cascade" }),
  startedByUserId: uuid("started_by_user_id").references(() => portalUsers.id, { onDelete: "cascade" }),
  nonce: text("nonce").notNull(),
  codeVerifierSealed: text("code_verifier_sealed").notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  pendingUserId: uuid("pending_user_id").references(() => portalUsers.id, { onDelete: "cascade" }),
  pendingUntil: timestamp("pending_until", { withTimezone: true }),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** A partner's or the operator's own Entra tenant, whose users may sign in with Microsoft (one account per tenant). */
export const microsoftSignInTenants = pgTable(
  "microsoft_sign_in_tenants",
  {
    accountId: uuid("account_id")
      .primaryKey()
      .references(() => accounts.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id").notNull(),
    enabledByUserId: uuid("enabled_by_user_id"),
    enabledAt: timestamp("enabled_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("microsoft_sign_in_tenants_tenant_idx").on(table.tenantId)],
);

/**
 * API keys of an account. The key itself (`s2t_live_<publicId>_<secret>`) is shown once; only the SHA-256 of
 * its secret is stored. `publicId` finds the row and is shown as the key's prefix.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    role: portalRole("role").notNull(),
    publicId: text("public_id").notNull(),
    secretHash: text("secret_hash").notNull(),
    /** CIDR ranges (IPv4 or IPv6) the key may be used from; empty: anywhere. */
    allowedIpRanges: text("allowed_ip_ranges").array().notNull().default(sql`'{}'::text[]`),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdByUserId: uuid("created_by_user_id").references(() => portalUsers.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Touched at most once a minute. */
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("api_keys_public_id_idx").on(table.publicId),
    index("api_keys_account_idx").on(table.accountId),
  ],
);

/** Requests per key per one-minute window: the rate limit every API process shares. */
export const apiKeyUsage = pgTable(
  "api_key_usage",
  {
    keyId: uuid("key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    requests: integer("requests").notNull(),
  },
  (table) => [primaryKey({ columns: [table.keyId, table.windowStart] })],
);

export type ApiKey = typeof apiKeys.$inferSelect;
