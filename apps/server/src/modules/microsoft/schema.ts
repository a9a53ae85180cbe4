import { sql } from "drizzle-orm";
import { boolean, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export const connectionStatus = pgEnum("microsoft_connection_status", ["connected", "disconnected"]);

/** The enterprise's link to its Microsoft 365 tenant. A tenant is linked to at most one enterprise. */
export const microsoftConnections = pgTable(
  "microsoft_connections",
  {
    enterpriseAccountId: uuid("enterprise_account_id")
      .primaryKey()
      .references(() => accounts.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id").notNull(),
    tenantDomain: text("tenant_domain").notNull(),
    adminUpn: text("admin_upn").notNull(),
    adminObjectId: text("admin_object_id").notNull(),
    status: connectionStatus("status").notNull(),
    connectedAt: timestamp("connected_at", { withTimezone: true }).notNull().defaultNow(),
    disconnectedAt: timestamp("disconnected_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("microsoft_connections_tenant_idx")
      .on(table.tenantId)
      .where(sql`${table.status} = 'connected'`),
  ],
);

export const consentStage = pgEnum("microsoft_consent_stage", ["admin-consent", "sign-in", "done"]);
export const consentOutcome = pgEnum("microsoft_consent_outcome", ["pending", "connected", "failed"]);

/**
 * One "Connect to Microsoft Teams" attempt. `id` is the OAuth `state` (random, 32 bytes).
 * The PKCE verifier is sealed; the row expires after CONSENT_FLOW_MINUTES.
 * `expectedTenantId` binds the attempt to the tenant the enterprise is (or was) linked to; only an attempt
 * an Admin started with "Connect a different Microsoft 365 tenant" (`replacesTenant`) may link another one.
 */
export const microsoftConsentFlows = pgTable(
  "microsoft_consent_flows",
  {
    id: text("id").primaryKey(),
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    startedByUserId: uuid("started_by_user_id"),
    stage: consentStage("stage").notNull(),
    nonce: text("nonce").notNull(),
    codeVerifierSealed: text("code_verifier_sealed").notNull(),
    consentedTenantId: text("consented_tenant_id"),
    outcome: consentOutcome("outcome").notNull().default("pending"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    adminUpn: text("admin_upn"),
    tenantDomain: text("tenant_domain"),
    expectedTenantId: text("expected_tenant_id"),
    replacesTenant: boolean("replaces_tenant").notNull().default(false),
    /** "Try again" starts new attempts until then (copied to each retry, so a chain of retries ends too). */
    retryUntil: timestamp("retry_until", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("microsoft_consent_flows_enterprise_idx").on(table.enterpriseAccountId)],
);

/**
 * A link a partner emailed to the customer admin; only the SHA-256 of the token is stored. Single use
 * (`usedAt` is set when it starts a consent flow); a newer request for the enterprise deletes older ones.
 */
export const microsoftAuthorizationRequests = pgTable(
  "microsoft_authorization_requests",
  {
    tokenHash: text("token_hash").primaryKey(),
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("microsoft_authorization_requests_enterprise_idx").on(table.enterpriseAccountId)],
);

export type MicrosoftConnection = typeof microsoftConnections.$inferSelect;
export type ConsentFlow = typeof microsoftConsentFlows.$inferSelect;
