CREATE TABLE "microsoft_sign_in_flows" (
	"id" text PRIMARY KEY NOT NULL,
	"purpose" text NOT NULL,
	"account_id" uuid,
	"started_by_user_id" uuid,
	"nonce" text NOT NULL,
	"code_verifier_sealed" text NOT NULL,
	"used_at" timestamp with time zone,
	"pending_user_id" uuid,
	"pending_until" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "microsoft_sign_in_tenants" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"enabled_by_user_id" uuid,
	"enabled_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "microsoft_sign_in_flows" ADD CONSTRAINT "microsoft_sign_in_flows_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "microsoft_sign_in_flows" ADD CONSTRAINT "microsoft_sign_in_flows_started_by_user_id_portal_users_id_fk" FOREIGN KEY ("started_by_user_id") REFERENCES "public"."portal_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "microsoft_sign_in_flows" ADD CONSTRAINT "microsoft_sign_in_flows_pending_user_id_portal_users_id_fk" FOREIGN KEY ("pending_user_id") REFERENCES "public"."portal_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "microsoft_sign_in_tenants" ADD CONSTRAINT "microsoft_sign_in_tenants_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "microsoft_sign_in_tenants_tenant_idx" ON "microsoft_sign_in_tenants" USING btree ("tenant_id");