CREATE TABLE "brand_hosts" (
	"host" text PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "brands" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"portal_name" text,
	"logo" "bytea",
	"logo_content_type" text,
	"logo_hash" text,
	"primary_color" text,
	"support_email" text,
	"support_url" text,
	"mail_sender_name" text,
	"mail_sender_address" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "brand_hosts" ADD CONSTRAINT "brand_hosts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "brands" ADD CONSTRAINT "brands_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "brand_hosts_account_idx" ON "brand_hosts" USING btree ("account_id");