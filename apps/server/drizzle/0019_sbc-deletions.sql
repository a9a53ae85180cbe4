-- The SBC change watch sees changes by timestamp; a deleted row leaves none. These triggers leave one:
-- the enterprise's last deletion of a provisioned user, SIP device or trunk profile (statement-level,
-- so a bulk delete is one upsert per enterprise). No foreign key: the enterprise itself may be gone.
CREATE TABLE "sbc_deletions" (
	"enterprise_account_id" uuid PRIMARY KEY NOT NULL,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE FUNCTION sbc_note_deletions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO sbc_deletions (enterprise_account_id, deleted_at)
	SELECT DISTINCT enterprise_account_id, now() FROM gone
	ON CONFLICT (enterprise_account_id) DO UPDATE SET deleted_at = excluded.deleted_at;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sbc_deletions_provisioned_users AFTER DELETE ON "provisioned_users"
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sbc_note_deletions();
--> statement-breakpoint
CREATE TRIGGER sbc_deletions_sip_devices AFTER DELETE ON "sip_devices"
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sbc_note_deletions();
--> statement-breakpoint
CREATE TRIGGER sbc_deletions_trunk_profiles AFTER DELETE ON "trunk_profiles"
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sbc_note_deletions();
