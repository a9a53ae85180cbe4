CREATE TYPE "public"."setup_status" AS ENUM('queued', 'running', 'waiting', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."setup_step_status" AS ENUM('pending', 'running', 'waiting', 'done', 'failed');--> statement-breakpoint
CREATE TYPE "public"."enterprise_lifecycle" AS ENUM('active', 'deleting');--> statement-breakpoint
CREATE TYPE "public"."enterprise_service" AS ENUM('teams-direct-routing');--> statement-breakpoint
CREATE TYPE "public"."microsoft_connection_status" AS ENUM('connected', 'disconnected');--> statement-breakpoint
CREATE TYPE "public"."microsoft_consent_outcome" AS ENUM('pending', 'connected', 'failed');--> statement-breakpoint
CREATE TYPE "public"."microsoft_consent_stage" AS ENUM('admin-consent', 'sign-in', 'done');--> statement-breakpoint
CREATE TYPE "public"."sip_transport" AS ENUM('UDP', 'TCP', 'TLS');--> statement-breakpoint
CREATE TYPE "public"."trunk_mode" AS ENUM('registration', 'static-ip');--> statement-breakpoint
CREATE TYPE "public"."trunk_status" AS ENUM('pending', 'active', 'disabled');--> statement-breakpoint
CREATE TABLE "direct_routing_setup_steps" (
	"enterprise_account_id" uuid NOT NULL,
	"key" text NOT NULL,
	"status" "setup_step_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "direct_routing_setup_steps_enterprise_account_id_key_pk" PRIMARY KEY("enterprise_account_id","key")
);
--> statement-breakpoint
CREATE TABLE "direct_routing_setups" (
	"enterprise_account_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"status" "setup_status" NOT NULL,
	"last_error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "enterprises" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"admin_name" text NOT NULL,
	"admin_email" text NOT NULL,
	"region_ids" uuid[] NOT NULL,
	"services" "enterprise_service"[] NOT NULL,
	"user_limit" integer NOT NULL,
	"billing_reference" text,
	"lifecycle" "enterprise_lifecycle" DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "microsoft_authorization_requests" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"enterprise_account_id" uuid NOT NULL,
	"email" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "microsoft_connections" (
	"enterprise_account_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"tenant_domain" text NOT NULL,
	"admin_upn" text NOT NULL,
	"admin_object_id" text NOT NULL,
	"status" "microsoft_connection_status" NOT NULL,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disconnected_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "microsoft_consent_flows" (
	"id" text PRIMARY KEY NOT NULL,
	"enterprise_account_id" uuid NOT NULL,
	"started_by_user_id" uuid,
	"stage" "microsoft_consent_stage" NOT NULL,
	"nonce" text NOT NULL,
	"code_verifier_sealed" text NOT NULL,
	"consented_tenant_id" text,
	"outcome" "microsoft_consent_outcome" DEFAULT 'pending' NOT NULL,
	"error_code" text,
	"error_message" text,
	"admin_upn" text,
	"tenant_domain" text,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operator_settings" (
	"id" text PRIMARY KEY DEFAULT 'default' NOT NULL,
	"sbc_base_domain" text,
	"portal_display_name" text,
	"publisher" text,
	"app_client_id" text,
	"app_client_secret_sealed" text,
	"login_url" text,
	"graph_url" text,
	"teams_admin_url" text,
	"teams_phone_sku_id" text,
	"dns_adapter" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sbc_regions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"sbc_fqdns" text[] NOT NULL,
	"sip_port" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"enterprise_account_id" uuid NOT NULL,
	"pbx_locations" jsonb NOT NULL,
	"region_ids" uuid[] NOT NULL,
	"default_region_id" uuid NOT NULL,
	"pstn_usage" text NOT NULL,
	"dial_plan_name" text NOT NULL,
	"normalization_rules" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trunk_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"enterprise_account_id" uuid NOT NULL,
	"label" text NOT NULL,
	"fqdn" text NOT NULL,
	"pbx_host" text NOT NULL,
	"pbx_port" integer NOT NULL,
	"transport" "sip_transport" NOT NULL,
	"sip_domain" text NOT NULL,
	"outbound_proxy" text,
	"mode" "trunk_mode" NOT NULL,
	"allowed_ips" text[] NOT NULL,
	"max_concurrent_calls" integer NOT NULL,
	"codecs" text[] NOT NULL,
	"status" "trunk_status" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "direct_routing_setup_steps" ADD CONSTRAINT "direct_routing_setup_steps_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "direct_routing_setups" ADD CONSTRAINT "direct_routing_setups_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enterprises" ADD CONSTRAINT "enterprises_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "microsoft_authorization_requests" ADD CONSTRAINT "microsoft_authorization_requests_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "microsoft_connections" ADD CONSTRAINT "microsoft_connections_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "microsoft_consent_flows" ADD CONSTRAINT "microsoft_consent_flows_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams_profiles" ADD CONSTRAINT "teams_profiles_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trunk_profiles" ADD CONSTRAINT "trunk_profiles_enterprise_account_id_accounts_id_fk" FOREIGN KEY ("enterprise_account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "microsoft_connections_tenant_idx" ON "microsoft_connections" USING btree ("tenant_id") WHERE "microsoft_connections"."status" = 'connected';--> statement-breakpoint
CREATE INDEX "microsoft_consent_flows_enterprise_idx" ON "microsoft_consent_flows" USING btree ("enterprise_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sbc_regions_name_idx" ON "sbc_regions" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "teams_profiles_enterprise_idx" ON "teams_profiles" USING btree ("enterprise_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "trunk_profiles_enterprise_idx" ON "trunk_profiles" USING btree ("enterprise_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "trunk_profiles_fqdn_idx" ON "trunk_profiles" USING btree (lower("fqdn"));