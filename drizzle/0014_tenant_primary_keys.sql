-- Primary keys become (id, tenant key) so each tenant table can be distributed by its tenant
-- (docs/scaling.md). The (id, tenant key) unique keys they replace were the targets of the
-- foreign keys within a tenant, so those are dropped first and re-created against the new keys.
ALTER TABLE "shared_db".custom_integration_actions DROP CONSTRAINT custom_integration_actions_integration_fk;--> statement-breakpoint
ALTER TABLE "shared_db".custom_integration_credentials DROP CONSTRAINT custom_integration_credentials_integration_fk;--> statement-breakpoint
ALTER TABLE "shared_db".integration_credentials DROP CONSTRAINT integration_credentials_integration_fk;--> statement-breakpoint
ALTER TABLE "shared_db".integration_events DROP CONSTRAINT integration_events_integration_fk;--> statement-breakpoint
ALTER TABLE "shared_db".integration_shares DROP CONSTRAINT integration_shares_integration_fk;--> statement-breakpoint
ALTER TABLE "shared_db".resource_access DROP CONSTRAINT resource_access_resource_fk;--> statement-breakpoint
ALTER TABLE "shared_db".service_resources DROP CONSTRAINT service_resources_integration_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_analyses DROP CONSTRAINT slack_analyses_workspace_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_analysis_channels DROP CONSTRAINT slack_analysis_channels_analysis_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_analysis_channels DROP CONSTRAINT slack_analysis_channels_channel_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_channel_analyses DROP CONSTRAINT slack_channel_analyses_analysis_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_channel_analyses DROP CONSTRAINT slack_channel_analyses_channel_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_channels DROP CONSTRAINT slack_channels_workspace_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_contributions DROP CONSTRAINT slack_contributions_analysis_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_contributions DROP CONSTRAINT slack_contributions_channel_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_contributions DROP CONSTRAINT slack_contributions_user_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_messages DROP CONSTRAINT slack_messages_channel_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_messages DROP CONSTRAINT slack_messages_parent_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_messages DROP CONSTRAINT slack_messages_user_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_reactions DROP CONSTRAINT slack_reactions_message_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_reactions DROP CONSTRAINT slack_reactions_user_fk;--> statement-breakpoint
ALTER TABLE "shared_db".slack_users DROP CONSTRAINT slack_users_workspace_fk;--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integrations" DROP CONSTRAINT "custom_integrations_id_user_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."integrations" DROP CONSTRAINT "integrations_id_owner_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."service_resources" DROP CONSTRAINT "service_resources_id_owner_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analyses" DROP CONSTRAINT "slack_analyses_id_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channels" DROP CONSTRAINT "slack_channels_id_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" DROP CONSTRAINT "slack_messages_id_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_users" DROP CONSTRAINT "slack_users_id_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_workspaces" DROP CONSTRAINT "slack_workspaces_id_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_actions" DROP CONSTRAINT "custom_integration_actions_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_credentials" DROP CONSTRAINT "custom_integration_credentials_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integrations" DROP CONSTRAINT "custom_integrations_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."team_members" DROP CONSTRAINT "team_members_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."integration_credentials" DROP CONSTRAINT "integration_credentials_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."integration_events" DROP CONSTRAINT "integration_events_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."integration_shares" DROP CONSTRAINT "integration_shares_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."integrations" DROP CONSTRAINT "integrations_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."resource_access" DROP CONSTRAINT "resource_access_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."service_resources" DROP CONSTRAINT "service_resources_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analyses" DROP CONSTRAINT "slack_analyses_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channel_analyses" DROP CONSTRAINT "slack_channel_analyses_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channels" DROP CONSTRAINT "slack_channels_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" DROP CONSTRAINT "slack_contributions_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" DROP CONSTRAINT "slack_messages_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" DROP CONSTRAINT "slack_reactions_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_users" DROP CONSTRAINT "slack_users_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_workspaces" DROP CONSTRAINT "slack_workspaces_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analysis_channels" DROP CONSTRAINT "slack_analysis_channels_pkey";--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_actions" ADD CONSTRAINT "custom_integration_actions_pkey" PRIMARY KEY("id","user_id");--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_credentials" ADD CONSTRAINT "custom_integration_credentials_pkey" PRIMARY KEY("id","user_id");--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integrations" ADD CONSTRAINT "custom_integrations_pkey" PRIMARY KEY("id","user_id");--> statement-breakpoint
ALTER TABLE "shared_db"."team_members" ADD CONSTRAINT "team_members_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."integration_credentials" ADD CONSTRAINT "integration_credentials_pkey" PRIMARY KEY("id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."integration_events" ADD CONSTRAINT "integration_events_pkey" PRIMARY KEY("id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."integration_shares" ADD CONSTRAINT "integration_shares_pkey" PRIMARY KEY("id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."integrations" ADD CONSTRAINT "integrations_pkey" PRIMARY KEY("id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."resource_access" ADD CONSTRAINT "resource_access_pkey" PRIMARY KEY("id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."service_resources" ADD CONSTRAINT "service_resources_pkey" PRIMARY KEY("id","owner_team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analyses" ADD CONSTRAINT "slack_analyses_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channel_analyses" ADD CONSTRAINT "slack_channel_analyses_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channels" ADD CONSTRAINT "slack_channels_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ADD CONSTRAINT "slack_contributions_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" ADD CONSTRAINT "slack_messages_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" ADD CONSTRAINT "slack_reactions_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_users" ADD CONSTRAINT "slack_users_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_workspaces" ADD CONSTRAINT "slack_workspaces_pkey" PRIMARY KEY("id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analysis_channels" ADD CONSTRAINT "slack_analysis_channels_pkey" PRIMARY KEY("analysis_id","channel_id","team_id");--> statement-breakpoint
ALTER TABLE "shared_db".custom_integration_actions ADD CONSTRAINT custom_integration_actions_integration_fk FOREIGN KEY (integration_id, user_id) REFERENCES "shared_db".custom_integrations(id, user_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".custom_integration_credentials ADD CONSTRAINT custom_integration_credentials_integration_fk FOREIGN KEY (integration_id, user_id) REFERENCES "shared_db".custom_integrations(id, user_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".integration_credentials ADD CONSTRAINT integration_credentials_integration_fk FOREIGN KEY (integration_id, owner_team_id) REFERENCES "shared_db".integrations(id, owner_team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".integration_events ADD CONSTRAINT integration_events_integration_fk FOREIGN KEY (integration_id, owner_team_id) REFERENCES "shared_db".integrations(id, owner_team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".integration_shares ADD CONSTRAINT integration_shares_integration_fk FOREIGN KEY (integration_id, owner_team_id) REFERENCES "shared_db".integrations(id, owner_team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".resource_access ADD CONSTRAINT resource_access_resource_fk FOREIGN KEY (resource_id, owner_team_id) REFERENCES "shared_db".service_resources(id, owner_team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".service_resources ADD CONSTRAINT service_resources_integration_fk FOREIGN KEY (integration_id, owner_team_id) REFERENCES "shared_db".integrations(id, owner_team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_analyses ADD CONSTRAINT slack_analyses_workspace_fk FOREIGN KEY (workspace_id, team_id) REFERENCES "shared_db".slack_workspaces(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_analysis_channels ADD CONSTRAINT slack_analysis_channels_analysis_fk FOREIGN KEY (analysis_id, team_id) REFERENCES "shared_db".slack_analyses(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_analysis_channels ADD CONSTRAINT slack_analysis_channels_channel_fk FOREIGN KEY (channel_id, team_id) REFERENCES "shared_db".slack_channels(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_channel_analyses ADD CONSTRAINT slack_channel_analyses_analysis_fk FOREIGN KEY (analysis_id, team_id) REFERENCES "shared_db".slack_analyses(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_channel_analyses ADD CONSTRAINT slack_channel_analyses_channel_fk FOREIGN KEY (channel_id, team_id) REFERENCES "shared_db".slack_channels(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_channels ADD CONSTRAINT slack_channels_workspace_fk FOREIGN KEY (workspace_id, team_id) REFERENCES "shared_db".slack_workspaces(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_contributions ADD CONSTRAINT slack_contributions_analysis_fk FOREIGN KEY (analysis_id, team_id) REFERENCES "shared_db".slack_analyses(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_contributions ADD CONSTRAINT slack_contributions_channel_fk FOREIGN KEY (channel_id, team_id) REFERENCES "shared_db".slack_channels(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_contributions ADD CONSTRAINT slack_contributions_user_fk FOREIGN KEY (user_id, team_id) REFERENCES "shared_db".slack_users(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_messages ADD CONSTRAINT slack_messages_channel_fk FOREIGN KEY (channel_id, team_id) REFERENCES "shared_db".slack_channels(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_messages ADD CONSTRAINT slack_messages_parent_fk FOREIGN KEY (parent_id, team_id) REFERENCES "shared_db".slack_messages(id, team_id) ON DELETE SET NULL (parent_id);--> statement-breakpoint
ALTER TABLE "shared_db".slack_messages ADD CONSTRAINT slack_messages_user_fk FOREIGN KEY (user_id, team_id) REFERENCES "shared_db".slack_users(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_reactions ADD CONSTRAINT slack_reactions_message_fk FOREIGN KEY (message_id, team_id) REFERENCES "shared_db".slack_messages(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_reactions ADD CONSTRAINT slack_reactions_user_fk FOREIGN KEY (user_id, team_id) REFERENCES "shared_db".slack_users(id, team_id) ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "shared_db".slack_users ADD CONSTRAINT slack_users_workspace_fk FOREIGN KEY (workspace_id, team_id) REFERENCES "shared_db".slack_workspaces(id, team_id) ON DELETE CASCADE;
