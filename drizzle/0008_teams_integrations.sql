CREATE TYPE "shared_db"."team_member_role" AS ENUM('OWNER', 'ADMIN', 'MEMBER', 'VIEWER');--> statement-breakpoint
CREATE TYPE "shared_db"."resource_access_level" AS ENUM('READ', 'WRITE', 'ADMIN');--> statement-breakpoint
CREATE TYPE "shared_db"."integration_credential_type" AS ENUM('OAUTH_TOKEN', 'API_KEY', 'BOT_TOKEN', 'WEBHOOK_SECRET');--> statement-breakpoint
CREATE TYPE "shared_db"."integration_event_type" AS ENUM('CREATED', 'UPDATED', 'STATUS_CHANGED', 'CREDENTIAL_UPDATED', 'SHARED', 'SHARE_REVOKED', 'RESOURCE_UPSERTED', 'ACCESS_GRANTED', 'USED');--> statement-breakpoint
CREATE TYPE "shared_db"."integration_status" AS ENUM('ACTIVE', 'DISCONNECTED', 'EXPIRED', 'REVOKED', 'ERROR');--> statement-breakpoint
CREATE TYPE "shared_db"."service_resource_type" AS ENUM('SLACK_CHANNEL', 'GITHUB_REPO', 'NOTION_PAGE', 'NOTION_DATABASE', 'DISCORD_CHANNEL');--> statement-breakpoint
CREATE TYPE "shared_db"."integration_service_type" AS ENUM('SLACK', 'GITHUB', 'NOTION', 'DISCORD');--> statement-breakpoint
CREATE TYPE "shared_db"."integration_share_level" AS ENUM('FULL_ACCESS', 'LIMITED_ACCESS', 'READ_ONLY');--> statement-breakpoint
CREATE TABLE "shared_db"."team_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"user_id" uuid,
	"email" varchar(255) NOT NULL,
	"display_name" varchar(255),
	"role" "shared_db"."team_member_role" DEFAULT 'MEMBER' NOT NULL,
	"invitation_status" varchar(50) DEFAULT 'accepted' NOT NULL,
	"invitation_token" varchar(255),
	"invitation_expires_at" timestamp with time zone,
	"last_active_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "team_members_invitation_token_key" UNIQUE("invitation_token"),
	CONSTRAINT "team_members_team_id_user_id_key" UNIQUE("team_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."teams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(255) NOT NULL,
	"slug" varchar(255) NOT NULL,
	"description" text,
	"avatar_url" varchar(1024),
	"team_size" integer,
	"is_personal" boolean DEFAULT false NOT NULL,
	"team_metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by_user_id" uuid,
	"created_by_email" varchar(255),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "teams_slug_key" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."integration_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"owner_team_id" uuid NOT NULL,
	"credential_type" "shared_db"."integration_credential_type" NOT NULL,
	"encrypted_value" text NOT NULL,
	"expires_at" timestamp with time zone,
	"refresh_token" text,
	"scopes" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integration_credentials_integration_id_type_key" UNIQUE("integration_id","credential_type")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."integration_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"owner_team_id" uuid NOT NULL,
	"event_type" "shared_db"."integration_event_type" NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_user_id" uuid,
	"affected_team_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shared_db"."integration_shares" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"owner_team_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"share_level" "shared_db"."integration_share_level" NOT NULL,
	"status" varchar(50) DEFAULT 'active' NOT NULL,
	"revoked_at" timestamp with time zone,
	"shared_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integration_shares_integration_id_team_id_key" UNIQUE("integration_id","team_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."integrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"service_type" "shared_db"."integration_service_type" NOT NULL,
	"status" "shared_db"."integration_status" DEFAULT 'ACTIVE' NOT NULL,
	"integration_metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_used_at" timestamp with time zone,
	"workspace_id" varchar(255),
	"owner_team_id" uuid NOT NULL,
	"created_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integrations_owner_team_id_workspace_id_service_type_key" UNIQUE NULLS NOT DISTINCT("owner_team_id","workspace_id","service_type"),
	CONSTRAINT "integrations_id_owner_team_id_key" UNIQUE("id","owner_team_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."resource_access" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_id" uuid NOT NULL,
	"owner_team_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"access_level" "shared_db"."resource_access_level" NOT NULL,
	"granted_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resource_access_resource_id_team_id_key" UNIQUE("resource_id","team_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."service_resources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"owner_team_id" uuid NOT NULL,
	"resource_type" "shared_db"."service_resource_type" NOT NULL,
	"external_id" varchar(255) NOT NULL,
	"name" varchar(255),
	"resource_metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_synced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_resources_integration_id_type_external_id_key" UNIQUE("integration_id","resource_type","external_id"),
	CONSTRAINT "service_resources_id_owner_team_id_key" UNIQUE("id","owner_team_id")
);
--> statement-breakpoint
ALTER TABLE "shared_db"."team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."team_members" ADD CONSTRAINT "team_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "shared_db"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."teams" ADD CONSTRAINT "teams_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "shared_db"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integration_credentials" ADD CONSTRAINT "integration_credentials_integration_fk" FOREIGN KEY ("integration_id","owner_team_id") REFERENCES "shared_db"."integrations"("id","owner_team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integration_events" ADD CONSTRAINT "integration_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "shared_db"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integration_events" ADD CONSTRAINT "integration_events_affected_team_id_teams_id_fk" FOREIGN KEY ("affected_team_id") REFERENCES "shared_db"."teams"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integration_events" ADD CONSTRAINT "integration_events_integration_fk" FOREIGN KEY ("integration_id","owner_team_id") REFERENCES "shared_db"."integrations"("id","owner_team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integration_shares" ADD CONSTRAINT "integration_shares_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integration_shares" ADD CONSTRAINT "integration_shares_shared_by_user_id_users_id_fk" FOREIGN KEY ("shared_by_user_id") REFERENCES "shared_db"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integration_shares" ADD CONSTRAINT "integration_shares_integration_fk" FOREIGN KEY ("integration_id","owner_team_id") REFERENCES "shared_db"."integrations"("id","owner_team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integrations" ADD CONSTRAINT "integrations_owner_team_id_teams_id_fk" FOREIGN KEY ("owner_team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."integrations" ADD CONSTRAINT "integrations_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "shared_db"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."resource_access" ADD CONSTRAINT "resource_access_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."resource_access" ADD CONSTRAINT "resource_access_granted_by_user_id_users_id_fk" FOREIGN KEY ("granted_by_user_id") REFERENCES "shared_db"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."resource_access" ADD CONSTRAINT "resource_access_resource_fk" FOREIGN KEY ("resource_id","owner_team_id") REFERENCES "shared_db"."service_resources"("id","owner_team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."service_resources" ADD CONSTRAINT "service_resources_integration_fk" FOREIGN KEY ("integration_id","owner_team_id") REFERENCES "shared_db"."integrations"("id","owner_team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "team_members_user_id_idx" ON "shared_db"."team_members" USING btree ("user_id","team_id","role") WHERE "shared_db"."team_members"."invitation_status" = 'accepted';--> statement-breakpoint
CREATE INDEX "integration_credentials_owner_team_id_idx" ON "shared_db"."integration_credentials" USING btree ("owner_team_id");--> statement-breakpoint
CREATE INDEX "integration_events_integration_id_idx" ON "shared_db"."integration_events" USING btree ("integration_id","created_at");--> statement-breakpoint
CREATE INDEX "integration_events_owner_team_id_idx" ON "shared_db"."integration_events" USING btree ("owner_team_id");--> statement-breakpoint
CREATE INDEX "integration_events_affected_team_id_idx" ON "shared_db"."integration_events" USING btree ("affected_team_id");--> statement-breakpoint
CREATE INDEX "integration_shares_owner_team_id_idx" ON "shared_db"."integration_shares" USING btree ("owner_team_id");--> statement-breakpoint
CREATE INDEX "integration_shares_team_id_idx" ON "shared_db"."integration_shares" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "resource_access_owner_team_id_idx" ON "shared_db"."resource_access" USING btree ("owner_team_id");--> statement-breakpoint
CREATE INDEX "resource_access_team_id_idx" ON "shared_db"."resource_access" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "service_resources_owner_team_id_idx" ON "shared_db"."service_resources" USING btree ("owner_team_id");