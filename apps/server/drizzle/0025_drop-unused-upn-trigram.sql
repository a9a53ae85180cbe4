-- No query searches "contains" on the address any more (the Users page and Add User match its prefix, on the btree
-- teams_users_upn_idx), so this trigram index only cost every sync write: about a quarter of PostgreSQL time of a
-- first sync. The name search keeps teams_users_display_name_trgm_idx.
DROP INDEX IF EXISTS "teams_users_upn_trgm_idx";
