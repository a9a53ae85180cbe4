import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { SecretBox } from "../crypto/secret-box.js";
import type { Database } from "../db/client.js";
import {
  IDEMPOTENCY_WINDOW_HOURS,
  type IdempotencyStore,
  IN_FLIGHT_TAKEOVER_MINUTES,
} from "./idempotency.js";
import { idempotencyRecords } from "./idempotency-schema.js";

const records = idempotencyRecords;

/**
 * Idempotency records in PostgreSQL, so every API process sees every key. One insert claims a key (the
 * primary key on the scope hash serializes concurrent requests). The request's body hash and the response
 * body are sealed with the secret box under the scope hash: an answer may reveal a secret shown once (an API
 * key, a TOTP secret), and a plain hash of a body holding a password would be a fast, unsalted hash of it.
 */
export function idempotencyStore(db: Database, secrets: SecretBox): IdempotencyStore {
  return {
    async claim(scope) {
      const claimId = randomUUID();
      // Sealed too: a body's hash (a password change's, say) would be a fast unsalted hash of its secrets.
      const requestHash = secrets.seal(scope.requestHash, scope.scopeHash);
      const claimed = await db
        .insert(records)
        .values({ ...scope, requestHash, claimId })
        .onConflictDoUpdate({
          target: records.scopeHash,
          set: {
            requestHash,
            claimId,
            status: null,
            headers: null,
            body: null,
            createdAt: sql`now()`,
          },
          // Only a record past the window, or a first request that stopped answering, gives the key up.
          setWhere: sql`${records.createdAt} < now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})
            or (${records.status} is null and ${records.createdAt} < now() - make_interval(mins => ${IN_FLIGHT_TAKEOVER_MINUTES}))`,
        })
        .returning({ claimId: records.claimId });
      if (claimed[0]?.claimId === claimId) return { claimId };

      const [existing] = await db.select().from(records).where(eq(records.scopeHash, scope.scopeHash));
      if (!existing) return { existing: null };
      return {
        existing: {
          requestHash: secrets.open(existing.requestHash, existing.scopeHash),
          response:
            existing.status === null || existing.body === null
              ? null
              : {
                  status: existing.status,
                  headers: existing.headers ?? {},
                  body: Buffer.from(secrets.open(existing.body, existing.scopeHash), "base64"),
                },
        },
      };
    },

    async complete(scopeHash, claimId, response) {
      await db
        .update(records)
        .set({
          status: response.status,
          headers: response.headers,
          body: secrets.seal(response.body.toString("base64"), scopeHash),
        })
        .where(and(eq(records.scopeHash, scopeHash), eq(records.claimId, claimId)));
    },

    async release(scopeHash, claimId) {
      await db.delete(records).where(and(eq(records.scopeHash, scopeHash), eq(records.claimId, claimId)));
    },
  };
}
