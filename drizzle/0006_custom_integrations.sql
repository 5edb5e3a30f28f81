CREATE TYPE "shared_db"."custom_integration_auth_type" AS ENUM('api_key', 'oauth');--> statement-breakpoint
CREATE TYPE "shared_db"."custom_integration_credential_type" AS ENUM('api_key', 'oauth_token', 'oauth_refresh_token');--> statement-breakpoint
CREATE TYPE "shared_db"."custom_integration_http_method" AS ENUM('GET', 'POST', 'PUT', 'PATCH', 'DELETE');--> statement-breakpoint
CREATE TABLE "shared_db"."custom_integration_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"action_id" varchar(100) NOT NULL,
	"action_name" varchar(255) NOT NULL,
	"http_method" "shared_db"."custom_integration_http_method" NOT NULL,
	"endpoint" varchar(2048) NOT NULL,
	"parameters" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "custom_integration_actions_integration_id_action_id_key" UNIQUE("integration_id","action_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."custom_integration_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"integration_id" uuid NOT NULL,
	"credential_type" "shared_db"."custom_integration_credential_type" NOT NULL,
	"encrypted_value" text NOT NULL,
	"token_expires_at" timestamp with time zone,
	"is_valid" boolean DEFAULT true NOT NULL,
	"last_validated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "custom_integration_credentials_integration_id_type_key" UNIQUE("integration_id","credential_type")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."custom_integrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" varchar(100) NOT NULL,
	"display_name" varchar(255) NOT NULL,
	"description" text,
	"auth_type" "shared_db"."custom_integration_auth_type" NOT NULL,
	"base_url" varchar(2048) NOT NULL,
	"auth_header" varchar(100) DEFAULT 'Authorization' NOT NULL,
	"auth_prefix" varchar(50) DEFAULT 'Bearer',
	"oauth_config" jsonb,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "custom_integrations_user_id_name_key" UNIQUE("user_id","name"),
	CONSTRAINT "custom_integrations_id_user_id_key" UNIQUE("id","user_id")
);
--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_actions" ADD CONSTRAINT "custom_integration_actions_integration_fk" FOREIGN KEY ("integration_id","user_id") REFERENCES "shared_db"."custom_integrations"("id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_credentials" ADD CONSTRAINT "custom_integration_credentials_integration_fk" FOREIGN KEY ("integration_id","user_id") REFERENCES "shared_db"."custom_integrations"("id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integrations" ADD CONSTRAINT "custom_integrations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "shared_db"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "custom_integration_actions_user_id_idx" ON "shared_db"."custom_integration_actions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "custom_integration_credentials_user_id_idx" ON "shared_db"."custom_integration_credentials" USING btree ("user_id");