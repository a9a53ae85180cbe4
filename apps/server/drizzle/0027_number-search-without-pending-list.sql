-- A GIN index with fastupdate collects new entries in a pending list that every search reads in full until
-- autovacuum merges it. Numbers are written a few at a time (provisioning, a bulk import), so the list was
-- often large: at 100,000 provisioned users, a number search read it three times per request (11 ms each).
-- Without the list each insert updates the index directly, which costs provisioning microseconds.
DROP INDEX "provisioned_users_number_trgm_idx";--> statement-breakpoint
CREATE INDEX "provisioned_users_number_trgm_idx" ON "provisioned_users" USING gin ("phone_number" gin_trgm_ops) WITH (fastupdate=off);