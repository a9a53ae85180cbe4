DROP INDEX "portal_users_email_idx";--> statement-breakpoint
CREATE INDEX "portal_users_email_lookup_idx" ON "portal_users" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "portal_users_email_idx" ON "portal_users" USING btree (lower("email")) WHERE "portal_users"."status" = 'active' or "portal_users"."password_hash" is not null;