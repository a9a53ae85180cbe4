CREATE TYPE "public"."trunk_transfer_mode" AS ENUM('teams', 'route');--> statement-breakpoint
ALTER TABLE "trunk_profiles" ADD COLUMN "transfer_mode" "trunk_transfer_mode" DEFAULT 'teams' NOT NULL;