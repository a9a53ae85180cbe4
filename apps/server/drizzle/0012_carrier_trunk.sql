CREATE TABLE "carrier_trunk" (
	"id" text PRIMARY KEY DEFAULT 'default' NOT NULL,
	"sip_signaling_port" integer DEFAULT 5061 NOT NULL,
	"max_concurrent_sessions" integer DEFAULT 100 NOT NULL,
	"status" text,
	"error" text,
	"applied_fqdn" text,
	"applied_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
