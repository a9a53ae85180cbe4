import { index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * One `Idempotency-Key` of one caller on one URL (`http/idempotency.ts`): the request's body hash and, once
 * answered, the response to replay. `status` null: the first request is still running. Kept 24 h.
 */
export const idempotencyRecords = pgTable(
  "idempotency_records",
  {
    /** SHA-256 of principal, method, URL and key: the scope a key is unique in. */
    scopeHash: text("scope_hash").primaryKey(),
    /** `user:<id>` or `api-key:<id>`. */
    principal: text("principal").notNull(),
    method: text("method").notNull(),
    url: text("url").notNull(),
    /** SHA-256 of the request body (canonical JSON), sealed; to refuse the key with another body. */
    requestHash: text("request_hash").notNull(),
    /** Which request holds the key while it runs; only that one stores its response. */
    claimId: uuid("claim_id").notNull(),
    status: integer("status"),
    /** The replayed response headers (content-type, location, etag). */
    headers: jsonb("headers").$type<Record<string, string>>(),
    /** The response body, base64, sealed with the secret box: answers may reveal secrets shown once. */
    body: text("body"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("idempotency_records_created_idx").on(table.createdAt)],
);

export type IdempotencyRecord = typeof idempotencyRecords.$inferSelect;
