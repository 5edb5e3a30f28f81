CREATE TABLE "shared_db"."slack_bots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"client_id" text DEFAULT '' NOT NULL,
	"app_id" text,
	"enterprise_id" text,
	"enterprise_name" text,
	"enterprise_url" text,
	"team_id" text,
	"team_name" text,
	"is_enterprise_install" boolean DEFAULT false NOT NULL,
	"token_type" text,
	"auth_version" text DEFAULT 'v2' NOT NULL,
	"incoming_webhook_url" text,
	"incoming_webhook_channel" text,
	"incoming_webhook_channel_id" text,
	"incoming_webhook_configuration_url" text,
	"metadata" text,
	"bot_id" text,
	"bot_user_id" text,
	"bot_token" text,
	"bot_scopes" text[],
	"bot_refresh_token" text,
	"bot_token_expires_at" timestamp with time zone,
	"installer_user_id" text,
	"installed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_bots_installation_key" UNIQUE NULLS NOT DISTINCT("client_id","enterprise_id","team_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_installations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"client_id" text DEFAULT '' NOT NULL,
	"app_id" text,
	"enterprise_id" text,
	"enterprise_name" text,
	"enterprise_url" text,
	"team_id" text,
	"team_name" text,
	"is_enterprise_install" boolean DEFAULT false NOT NULL,
	"token_type" text,
	"auth_version" text DEFAULT 'v2' NOT NULL,
	"incoming_webhook_url" text,
	"incoming_webhook_channel" text,
	"incoming_webhook_channel_id" text,
	"incoming_webhook_configuration_url" text,
	"metadata" text,
	"bot_id" text,
	"bot_user_id" text,
	"bot_token" text,
	"bot_scopes" text[],
	"bot_refresh_token" text,
	"bot_token_expires_at" timestamp with time zone,
	"user_id" text NOT NULL,
	"user_token" text,
	"user_scopes" text[],
	"user_refresh_token" text,
	"user_token_expires_at" timestamp with time zone,
	"installed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_oauth_states" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"install_options" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_oauth_states_state_key" UNIQUE("state")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_user_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"client_id" text DEFAULT '' NOT NULL,
	"enterprise_id" text,
	"team_id" text,
	"user_id" text NOT NULL,
	"user_token" text,
	"user_scopes" text[],
	"user_refresh_token" text,
	"user_token_expires_at" timestamp with time zone,
	"installed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_user_tokens_installation_user_key" UNIQUE NULLS NOT DISTINCT("client_id","enterprise_id","team_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "slack_bots_bot_token_expires_at_idx" ON "shared_db"."slack_bots" USING btree ("bot_token_expires_at") WHERE "shared_db"."slack_bots"."bot_refresh_token" is not null;--> statement-breakpoint
CREATE INDEX "slack_installations_lookup_idx" ON "shared_db"."slack_installations" USING btree ("client_id","enterprise_id","team_id","user_id","installed_at");--> statement-breakpoint
CREATE INDEX "slack_oauth_states_expires_at_idx" ON "shared_db"."slack_oauth_states" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "slack_user_tokens_expires_at_idx" ON "shared_db"."slack_user_tokens" USING btree ("user_token_expires_at") WHERE "shared_db"."slack_user_tokens"."user_refresh_token" is not null;