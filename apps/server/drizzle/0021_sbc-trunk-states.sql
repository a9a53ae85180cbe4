CREATE TYPE "public"."sbc_trunk_state" AS ENUM('up', 'down');--> statement-breakpoint
CREATE TABLE "sbc_trunk_states" (
	"enterprise_account_id" uuid PRIMARY KEY NOT NULL,
	"state" "sbc_trunk_state" NOT NULL,
	"trunk" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sbc_trunk_states" ADD CONSTRAINT "sbc_trunk_states_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;