CREATE TABLE "pbx_directory_entries" (
	"enterprise_account_id" uuid NOT NULL,
	"extension" text NOT NULL,
	"name" text NOT NULL,
	"default_caller_id" text,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pbx_directory_entries_enterprise_account_id_extension_pk" PRIMARY KEY("enterprise_account_id","extension")
);
--> statement-breakpoint
CREATE TABLE "pbx_directory_sources" (
	"enterprise_account_id" uuid PRIMARY KEY NOT NULL,
	"base_url" text NOT NULL,
	"bearer_token_sealed" text,
	"last_synced_at" timestamp with time zone,
	"last_sync_count" integer,
	"last_sync_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pbx_directory_entries" ADD CONSTRAINT "pbx_directory_entries_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pbx_directory_sources" ADD CONSTRAINT "pbx_directory_sources_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pbx_directory_entries_name_idx" ON "pbx_directory_entries" USING btree ("enterprise_account_id","name");