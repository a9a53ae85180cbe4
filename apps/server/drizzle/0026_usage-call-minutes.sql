CREATE TABLE "usage_call_minutes" (
	"enterprise_account_id" uuid NOT NULL,
	"day" date NOT NULL,
	"talk_seconds" integer NOT NULL,
	"taken_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_call_minutes_enterprise_account_id_day_pk" PRIMARY KEY("enterprise_account_id","day")
);
--> statement-breakpoint
ALTER TABLE "usage_call_minutes" ADD CONSTRAINT "usage_call_minutes_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_snapshots" DROP COLUMN "call_minutes";