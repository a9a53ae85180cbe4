-- teams_users_upn_idx (lower(upn) text_pattern_ops) answers address lookups and prefix search, and gives the
-- address order too when it is asked for in its own byte order (`order by lower(upn) using ~<~`, Add User's
-- search). teams_users_order_idx held the same keys in the collation's order: every sync write paid for it twice.
DROP INDEX IF EXISTS "teams_users_order_idx";
