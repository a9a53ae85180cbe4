-- Users page search ("contains" on names and emails) stays fast at 50,000 users: trigram indexes.
-- pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "teams_users_display_name_trgm_idx" ON "teams_users" USING gin (lower("display_name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "teams_users_upn_trgm_idx" ON "teams_users" USING gin (lower("user_principal_name") gin_trgm_ops);
