ALTER TABLE "microsoft_authorization_requests" ADD COLUMN "used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "microsoft_consent_flows" ADD COLUMN "expected_tenant_id" text;--> statement-breakpoint
ALTER TABLE "microsoft_consent_flows" ADD COLUMN "replaces_tenant" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "microsoft_consent_flows" ADD COLUMN "retry_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "microsoft_authorization_requests_enterprise_idx" ON "microsoft_authorization_requests" USING btree ("enterprise_account_id");--> statement-breakpoint
-- Links sent before this release carried their token in the URL path (so it may sit in access logs) and lived 7 days: void them.
DELETE FROM "microsoft_authorization_requests";
