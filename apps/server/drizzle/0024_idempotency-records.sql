CREATE TABLE "idempotency_records" (
	"scope_hash" text PRIMARY KEY NOT NULL,
	"principal" text NOT NULL,
	"method" text NOT NULL,
	"url" text NOT NULL,
	"request_hash" text NOT NULL,
	"claim_id" uuid NOT NULL,
	"status" integer,
	"headers" jsonb,
	"body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "idempotency_records_created_idx" ON "idempotency_records" USING btree ("created_at");