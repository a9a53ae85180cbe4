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
 * primary key on the scope hash serializes concurrent requests); response bodies are sealed with the secret
 * box under the scope hash, since an answer may reveal a secret shown once (an API key, a TOTP secret).
 */
export function idempotencyStore(db: Database, secrets: SecretBox): IdempotencyStore {
  return {
    async claim(scope) {
      const claimId = randomUUID();
      const claimed = await db
        .insert(records)
        .values({ ...scope, claimId })
        .onConflictDoUpdate({
          target: records.scopeHash,
          set: {
            requestHash: scope.requestHash,
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
          requestHash: existing.requestHash,
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
