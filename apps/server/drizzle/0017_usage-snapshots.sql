CREATE TABLE "usage_snapshots" (
	"enterprise_account_id" uuid NOT NULL,
	"day" date NOT NULL,
	"calling_enabled_users" integer NOT NULL,
	"numbers_assigned" integer NOT NULL,
	"sip_devices" integer NOT NULL,
	"call_minutes" integer,
	"taken_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_snapshots_enterprise_account_id_day_pk" PRIMARY KEY("enterprise_account_id","day")
);
--> statement-breakpoint
ALTER TABLE "usage_snapshots" ADD CONSTRAINT "usage_snapshots_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_snapshots_day_idx" ON "usage_snapshots" USING btree ("day");