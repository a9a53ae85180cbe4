CREATE TYPE "public"."provisioning_status" AS ENUM('pending-consent', 'queued', 'running', 'done', 'failed');--> statement-breakpoint
CREATE TYPE "public"."teams_user_sync_status" AS ENUM('idle', 'queued', 'running', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."phone_number_state" AS ENUM('available', 'reserved', 'assigned', 'quarantined');--> statement-breakpoint
CREATE TYPE "public"."bulk_import_status" AS ENUM('preview', 'applying', 'completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "provisioned_users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"enterprise_account_id" uuid NOT NULL,
	"teams_user_object_id" text NOT NULL,
	"user_principal_name" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"pbx_location" text NOT NULL,
	"region_id" uuid NOT NULL,
	"sip_user" text NOT NULL,
	"phone_number" text NOT NULL,
	"disable_voicemail" boolean DEFAULT true NOT NULL,
	"assign_dial_plan" boolean DEFAULT true NOT NULL,
	"calling_enabled" boolean DEFAULT true NOT NULL,
	"deleting" boolean DEFAULT false NOT NULL,
	"cleanup_required" boolean DEFAULT false NOT NULL,
	"status" "provisioning_status" DEFAULT 'queued' NOT NULL,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_error" text,
	"observed" jsonb,
	"last_run_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sip_devices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provisioned_user_id" uuid NOT NULL,
	"enterprise_account_id" uuid NOT NULL,
	"auth_id" text NOT NULL,
	"password_sealed" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams_user_syncs" (
	"enterprise_account_id" uuid PRIMARY KEY NOT NULL,
	"status" "teams_user_sync_status" DEFAULT 'idle' NOT NULL,
	"delta_link" text,
	"next_link" text,
	"pages" integer DEFAULT 0 NOT NULL,
	"users_seen" integer DEFAULT 0 NOT NULL,
	"added" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"removed" integer DEFAULT 0 NOT NULL,
	"full_sync" boolean DEFAULT true NOT NULL,
	"last_error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams_users" (
	"enterprise_account_id" uuid NOT NULL,
	"object_id" text NOT NULL,
	"user_principal_name" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"mail" text,
	"account_enabled" boolean DEFAULT true NOT NULL,
	"usage_location" text,
	"has_teams_phone" boolean DEFAULT false NOT NULL,
	"is_resource_account" boolean DEFAULT false NOT NULL,
	"eligible" boolean DEFAULT false NOT NULL,
	"ineligible_reason" text,
	"removed_at" timestamp with time zone,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "teams_users_enterprise_account_id_object_id_pk" PRIMARY KEY("enterprise_account_id","object_id")
);
--> statement-breakpoint
CREATE TABLE "phone_numbers" (
	"number" text PRIMARY KEY NOT NULL,
	"holder_account_id" uuid NOT NULL,
	"enterprise_account_id" uuid,
	"state" "phone_number_state" DEFAULT 'available' NOT NULL,
	"provisioned_user_id" uuid,
	"quarantined_until" timestamp with time zone,
	"conflict" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bulk_import_rows" (
	"import_id" uuid NOT NULL,
	"row_number" integer NOT NULL,
	"data" jsonb,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"outcome" text,
	CONSTRAINT "bulk_import_rows_import_id_row_number_pk" PRIMARY KEY("import_id","row_number")
);
--> statement-breakpoint
CREATE TABLE "bulk_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"enterprise_account_id" uuid NOT NULL,
	"file_name" text,
	"status" "bulk_import_status" DEFAULT 'preview' NOT NULL,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"valid_rows" integer DEFAULT 0 NOT NULL,
	"error_rows" integer DEFAULT 0 NOT NULL,
	"applied_rows" integer DEFAULT 0 NOT NULL,
	"failed_rows" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "provisioned_users" ADD CONSTRAINT "provisioned_users_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sip_devices" ADD CONSTRAINT "sip_devices_provisioned_user_id_provisioned_users_id_fk" FOREIGN KEY ("provisioned_user_id") REFERENCES "public"."provisioned_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sip_devices" ADD CONSTRAINT "sip_devices_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams_user_syncs" ADD CONSTRAINT "teams_user_syncs_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams_users" ADD CONSTRAINT "teams_users_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_holder_account_id_accounts_id_fk" FOREIGN KEY ("holder_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bulk_import_rows" ADD CONSTRAINT "bulk_import_rows_import_id_bulk_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."bulk_imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bulk_imports" ADD CONSTRAINT "bulk_imports_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "provisioned_users_teams_user_idx" ON "provisioned_users" USING btree ("enterprise_account_id","teams_user_object_id");--> statement-breakpoint
CREATE UNIQUE INDEX "provisioned_users_sip_user_idx" ON "provisioned_users" USING btree ("enterprise_account_id","pbx_location","sip_user");--> statement-breakpoint
CREATE UNIQUE INDEX "provisioned_users_number_idx" ON "provisioned_users" USING btree ("phone_number");--> statement-breakpoint
CREATE INDEX "provisioned_users_status_idx" ON "provisioned_users" USING btree ("enterprise_account_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "sip_devices_auth_id_idx" ON "sip_devices" USING btree ("enterprise_account_id","auth_id");--> statement-breakpoint
CREATE INDEX "sip_devices_user_idx" ON "sip_devices" USING btree ("provisioned_user_id");--> statement-breakpoint
CREATE INDEX "teams_users_upn_idx" ON "teams_users" USING btree ("enterprise_account_id",lower("user_principal_name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "phone_numbers_holder_idx" ON "phone_numbers" USING btree ("holder_account_id","number");--> statement-breakpoint
CREATE INDEX "phone_numbers_enterprise_idx" ON "phone_numbers" USING btree ("enterprise_account_id","state","number");--> statement-breakpoint
CREATE INDEX "bulk_import_rows_errors_idx" ON "bulk_import_rows" USING btree ("import_id");