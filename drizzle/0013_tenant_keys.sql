ALTER TABLE "shared_db"."custom_integration_actions" DROP CONSTRAINT "custom_integration_actions_integration_id_action_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_credentials" DROP CONSTRAINT "custom_integration_credentials_integration_id_type_key";--> statement-breakpoint
ALTER TABLE "shared_db"."integration_credentials" DROP CONSTRAINT "integration_credentials_integration_id_type_key";--> statement-breakpoint
ALTER TABLE "shared_db"."integration_shares" DROP CONSTRAINT "integration_shares_integration_id_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."resource_access" DROP CONSTRAINT "resource_access_resource_id_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."service_resources" DROP CONSTRAINT "service_resources_integration_id_type_external_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channel_analyses" DROP CONSTRAINT "slack_channel_analyses_analysis_id_channel_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channels" DROP CONSTRAINT "slack_channels_workspace_id_slack_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" DROP CONSTRAINT "slack_contributions_analysis_id_user_id_channel_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" DROP CONSTRAINT "slack_messages_channel_id_slack_ts_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" DROP CONSTRAINT "slack_reactions_message_id_user_id_emoji_name_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_users" DROP CONSTRAINT "slack_users_workspace_id_slack_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" DROP CONSTRAINT "slack_messages_parent_fk";
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" ADD CONSTRAINT "slack_messages_parent_fk" FOREIGN KEY ("parent_id","team_id") REFERENCES "shared_db"."slack_messages"("id","team_id") ON DELETE SET NULL ("parent_id") ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_actions" ADD CONSTRAINT "custom_integration_actions_integration_id_action_id_user_id_key" UNIQUE("integration_id","action_id","user_id");--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_credentials" ADD CONSTRAINT "custom_integration_credentials_integration_id_type_user_id_key" UNIQUE("integration_id","credential_type","user_id");--> statement-breakpoint
ALTER TABLE "shared_db"."integration_credentials" ADD CONSTRAINT "integration_credentials_integration_id_type_owner_team_id_key" UNIQUE("integration_id","credential_type","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."integration_shares" ADD CONSTRAINT "integration_shares_integration_id_team_id_owner_team_id_key" UNIQUE("integration_id","team_id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."resource_access" ADD CONSTRAINT "resource_access_resource_id_team_id_owner_team_id_key" UNIQUE("resource_id","team_id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."service_resources" ADD CONSTRAINT "service_resources_integration_id_type_external_id_owner_key" UNIQUE("integration_id","resource_type","external_id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channel_analyses" ADD CONSTRAINT "slack_channel_analyses_analysis_id_channel_id_team_id_key" UNIQUE("analysis_id","channel_id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channels" ADD CONSTRAINT "slack_channels_workspace_id_slack_id_team_id_key" UNIQUE("workspace_id","slack_id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ADD CONSTRAINT "slack_contributions_analysis_id_user_id_channel_id_team_id_key" UNIQUE("analysis_id","user_id","channel_id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" ADD CONSTRAINT "slack_messages_channel_id_slack_ts_team_id_key" UNIQUE("channel_id","slack_ts","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" ADD CONSTRAINT "slack_reactions_message_id_user_id_emoji_name_team_id_key" UNIQUE("message_id","user_id","emoji_name","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_users" ADD CONSTRAINT "slack_users_workspace_id_slack_id_team_id_key" UNIQUE("workspace_id","slack_id","team_id");