ALTER TABLE "operator_settings" ADD COLUMN "dns_server" text;--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "dns_port" integer;--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "dns_zone" text;--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "dns_tsig_key_name" text;--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "dns_tsig_algorithm" text;--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "dns_tsig_secret_sealed" text;--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "trunk_record_type" text;--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "trunk_record_addresses" text[];--> statement-breakpoint
ALTER TABLE "operator_settings" ADD COLUMN "trunk_record_cname" text;