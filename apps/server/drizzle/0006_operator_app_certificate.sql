ALTER TABLE "operator_settings" ADD COLUMN "app_certificate_pem" text;--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "app_private_key_sealed" text;