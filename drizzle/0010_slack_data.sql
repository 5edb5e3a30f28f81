CREATE TABLE "shared_db"."slack_analyses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"workspace_id" uuid NOT NULL,
	"created_by_user_id" uuid,
	"name" varchar(255) NOT NULL,
	"description" text,
	"start_date" timestamp with time zone NOT NULL,
	"end_date" timestamp with time zone NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"llm_model" varchar(255),
	"analysis_type" varchar(50) DEFAULT 'contribution' NOT NULL,
	"is_scheduled" boolean DEFAULT false NOT NULL,
	"schedule_frequency" varchar(50),
	"next_run_at" timestamp with time zone,
	"status" varchar(50) DEFAULT 'pending' NOT NULL,
	"progress" double precision DEFAULT 0 NOT NULL,
	"error_message" text,
	"result_summary" jsonb,
	"completion_time" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_analyses_id_team_id_key" UNIQUE("id","team_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_analysis_channels" (
	"analysis_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	CONSTRAINT "slack_analysis_channels_pkey" PRIMARY KEY("analysis_id","channel_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_channel_analyses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"analysis_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"start_date" timestamp with time zone,
	"end_date" timestamp with time zone,
	"message_count" integer,
	"participant_count" integer,
	"thread_count" integer,
	"reaction_count" integer,
	"channel_summary" text,
	"topic_analysis" text,
	"contributor_insights" text,
	"key_highlights" text,
	"model_used" varchar(255),
	"generated_at" timestamp with time zone,
	"raw_response" jsonb,
	"status" varchar(50) DEFAULT 'completed' NOT NULL,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_channel_analyses_analysis_id_channel_id_key" UNIQUE("analysis_id","channel_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"workspace_id" uuid NOT NULL,
	"slack_id" varchar(255) NOT NULL,
	"name" varchar(255),
	"type" varchar(50) DEFAULT 'public' NOT NULL,
	"purpose" varchar(1024),
	"topic" varchar(1024),
	"member_count" integer,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at_ts" varchar(50),
	"has_bot" boolean DEFAULT false NOT NULL,
	"bot_joined_at" timestamp with time zone,
	"is_selected_for_analysis" boolean DEFAULT false NOT NULL,
	"is_supported" boolean DEFAULT true NOT NULL,
	"last_sync_at" timestamp with time zone,
	"oldest_synced_ts" varchar(50),
	"latest_synced_ts" varchar(50),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_channels_workspace_id_slack_id_key" UNIQUE("workspace_id","slack_id"),
	CONSTRAINT "slack_channels_id_team_id_key" UNIQUE("id","team_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_contributions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"analysis_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"problem_solving_score" double precision,
	"knowledge_sharing_score" double precision,
	"team_coordination_score" double precision,
	"engagement_score" double precision,
	"total_score" double precision,
	"message_count" integer DEFAULT 0 NOT NULL,
	"thread_reply_count" integer DEFAULT 0 NOT NULL,
	"reaction_given_count" integer DEFAULT 0 NOT NULL,
	"reaction_received_count" integer DEFAULT 0 NOT NULL,
	"notable_contributions" jsonb,
	"insights" text,
	"insights_data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_contributions_analysis_id_user_id_channel_id_key" UNIQUE("analysis_id","user_id","channel_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"user_id" uuid,
	"parent_id" uuid,
	"slack_id" varchar(255),
	"slack_ts" varchar(50) NOT NULL,
	"text" text,
	"processed_text" text,
	"message_type" varchar(50) DEFAULT 'message' NOT NULL,
	"subtype" varchar(50),
	"is_edited" boolean DEFAULT false NOT NULL,
	"edited_ts" varchar(50),
	"has_attachments" boolean DEFAULT false NOT NULL,
	"attachments" jsonb,
	"files" jsonb,
	"thread_ts" varchar(50),
	"is_thread_parent" boolean DEFAULT false NOT NULL,
	"is_thread_reply" boolean DEFAULT false NOT NULL,
	"reply_count" integer DEFAULT 0 NOT NULL,
	"reply_users_count" integer DEFAULT 0 NOT NULL,
	"reaction_count" integer DEFAULT 0 NOT NULL,
	"message_datetime" timestamp with time zone NOT NULL,
	"is_analyzed" boolean DEFAULT false NOT NULL,
	"message_category" varchar(100),
	"sentiment_score" double precision,
	"analysis_data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_messages_channel_id_slack_ts_key" UNIQUE("channel_id","slack_ts"),
	CONSTRAINT "slack_messages_id_team_id_key" UNIQUE("id","team_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_reactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"emoji_name" varchar(255) NOT NULL,
	"emoji_code" varchar(255),
	"reaction_ts" varchar(50),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_reactions_message_id_user_id_emoji_name_key" UNIQUE("message_id","user_id","emoji_name")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"workspace_id" uuid NOT NULL,
	"slack_id" varchar(255) NOT NULL,
	"name" varchar(255),
	"display_name" varchar(255),
	"real_name" varchar(255),
	"email" varchar(255),
	"title" varchar(255),
	"phone" varchar(50),
	"timezone" varchar(100),
	"timezone_offset" integer,
	"profile_image_url" varchar(1024),
	"is_bot" boolean DEFAULT false NOT NULL,
	"is_admin" boolean DEFAULT false NOT NULL,
	"is_deleted" boolean DEFAULT false NOT NULL,
	"profile_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_users_workspace_id_slack_id_key" UNIQUE("workspace_id","slack_id"),
	CONSTRAINT "slack_users_id_team_id_key" UNIQUE("id","team_id")
);
--> statement-breakpoint
CREATE TABLE "shared_db"."slack_workspaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"slack_id" varchar(255) NOT NULL,
	"name" varchar(255),
	"domain" varchar(255),
	"icon_url" varchar(1024),
	"team_size" integer,
	"workspace_metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_connected" boolean DEFAULT true NOT NULL,
	"connection_status" varchar(50),
	"last_connected_at" timestamp with time zone,
	"last_sync_at" timestamp with time zone,
	"access_token" text,
	"refresh_token" text,
	"token_expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_workspaces_slack_id_key" UNIQUE("slack_id"),
	CONSTRAINT "slack_workspaces_id_team_id_key" UNIQUE("id","team_id")
);
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analyses" ADD CONSTRAINT "slack_analyses_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analyses" ADD CONSTRAINT "slack_analyses_workspace_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "shared_db"."slack_workspaces"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analysis_channels" ADD CONSTRAINT "slack_analysis_channels_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analysis_channels" ADD CONSTRAINT "slack_analysis_channels_analysis_fk" FOREIGN KEY ("analysis_id","team_id") REFERENCES "shared_db"."slack_analyses"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analysis_channels" ADD CONSTRAINT "slack_analysis_channels_channel_fk" FOREIGN KEY ("channel_id","team_id") REFERENCES "shared_db"."slack_channels"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channel_analyses" ADD CONSTRAINT "slack_channel_analyses_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channel_analyses" ADD CONSTRAINT "slack_channel_analyses_analysis_fk" FOREIGN KEY ("analysis_id","team_id") REFERENCES "shared_db"."slack_analyses"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channel_analyses" ADD CONSTRAINT "slack_channel_analyses_channel_fk" FOREIGN KEY ("channel_id","team_id") REFERENCES "shared_db"."slack_channels"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channels" ADD CONSTRAINT "slack_channels_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channels" ADD CONSTRAINT "slack_channels_workspace_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "shared_db"."slack_workspaces"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ADD CONSTRAINT "slack_contributions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ADD CONSTRAINT "slack_contributions_analysis_fk" FOREIGN KEY ("analysis_id","team_id") REFERENCES "shared_db"."slack_analyses"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ADD CONSTRAINT "slack_contributions_user_fk" FOREIGN KEY ("user_id","team_id") REFERENCES "shared_db"."slack_users"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ADD CONSTRAINT "slack_contributions_channel_fk" FOREIGN KEY ("channel_id","team_id") REFERENCES "shared_db"."slack_channels"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" ADD CONSTRAINT "slack_messages_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" ADD CONSTRAINT "slack_messages_channel_fk" FOREIGN KEY ("channel_id","team_id") REFERENCES "shared_db"."slack_channels"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" ADD CONSTRAINT "slack_messages_user_fk" FOREIGN KEY ("user_id","team_id") REFERENCES "shared_db"."slack_users"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" ADD CONSTRAINT "slack_messages_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "shared_db"."slack_messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" ADD CONSTRAINT "slack_reactions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" ADD CONSTRAINT "slack_reactions_message_fk" FOREIGN KEY ("message_id","team_id") REFERENCES "shared_db"."slack_messages"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" ADD CONSTRAINT "slack_reactions_user_fk" FOREIGN KEY ("user_id","team_id") REFERENCES "shared_db"."slack_users"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_users" ADD CONSTRAINT "slack_users_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_users" ADD CONSTRAINT "slack_users_workspace_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "shared_db"."slack_workspaces"("id","team_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_workspaces" ADD CONSTRAINT "slack_workspaces_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "shared_db"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "slack_analyses_team_id_idx" ON "shared_db"."slack_analyses" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "slack_analyses_due_idx" ON "shared_db"."slack_analyses" USING btree ("next_run_at") WHERE "shared_db"."slack_analyses"."is_scheduled";--> statement-breakpoint
CREATE INDEX "slack_analysis_channels_team_id_idx" ON "shared_db"."slack_analysis_channels" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "slack_channel_analyses_team_id_idx" ON "shared_db"."slack_channel_analyses" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "slack_channels_team_id_idx" ON "shared_db"."slack_channels" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "slack_contributions_team_id_idx" ON "shared_db"."slack_contributions" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "slack_messages_user_id_slack_ts_idx" ON "shared_db"."slack_messages" USING btree ("user_id","slack_ts");--> statement-breakpoint
CREATE INDEX "slack_messages_message_datetime_idx" ON "shared_db"."slack_messages" USING btree ("message_datetime");--> statement-breakpoint
CREATE INDEX "slack_messages_thread_ts_idx" ON "shared_db"."slack_messages" USING btree ("channel_id","thread_ts");--> statement-breakpoint
CREATE INDEX "slack_messages_team_id_idx" ON "shared_db"."slack_messages" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "slack_reactions_user_id_idx" ON "shared_db"."slack_reactions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "slack_reactions_team_id_idx" ON "shared_db"."slack_reactions" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "slack_users_team_id_idx" ON "shared_db"."slack_users" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "slack_workspaces_team_id_idx" ON "shared_db"."slack_workspaces" USING btree ("team_id");