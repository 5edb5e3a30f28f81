-- Slack workspace data: readable by the members of the workspace's team (any role), written by
-- service work only (sync and analysis jobs). team_id on every table makes each policy one comparison.
SELECT 1;
--> statement-breakpoint
ALTER TABLE shared_db.slack_workspaces ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_workspaces FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_workspaces TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_workspaces_service_all ON shared_db.slack_workspaces;
--> statement-breakpoint
CREATE POLICY slack_workspaces_service_all ON shared_db.slack_workspaces FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_workspaces_select_team ON shared_db.slack_workspaces;
--> statement-breakpoint
CREATE POLICY slack_workspaces_select_team ON shared_db.slack_workspaces FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT (id, team_id, slack_id, name, domain, icon_url, team_size, workspace_metadata, is_connected, connection_status,
  last_connected_at, last_sync_at, token_expires_at, created_at, updated_at) ON shared_db.slack_workspaces TO shared_db_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_workspaces_set_updated_at BEFORE UPDATE ON shared_db.slack_workspaces
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.slack_channels ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_channels FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_channels TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_channels_service_all ON shared_db.slack_channels;
--> statement-breakpoint
CREATE POLICY slack_channels_service_all ON shared_db.slack_channels FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_channels_select_team ON shared_db.slack_channels;
--> statement-breakpoint
CREATE POLICY slack_channels_select_team ON shared_db.slack_channels FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT ON shared_db.slack_channels TO shared_db_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_channels_set_updated_at BEFORE UPDATE ON shared_db.slack_channels
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.slack_users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_users TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_users_service_all ON shared_db.slack_users;
--> statement-breakpoint
CREATE POLICY slack_users_service_all ON shared_db.slack_users FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_users_select_team ON shared_db.slack_users;
--> statement-breakpoint
CREATE POLICY slack_users_select_team ON shared_db.slack_users FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT ON shared_db.slack_users TO shared_db_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_users_set_updated_at BEFORE UPDATE ON shared_db.slack_users
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.slack_messages ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_messages FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_messages TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_messages_service_all ON shared_db.slack_messages;
--> statement-breakpoint
CREATE POLICY slack_messages_service_all ON shared_db.slack_messages FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_messages_select_team ON shared_db.slack_messages;
--> statement-breakpoint
CREATE POLICY slack_messages_select_team ON shared_db.slack_messages FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT ON shared_db.slack_messages TO shared_db_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_messages_set_updated_at BEFORE UPDATE ON shared_db.slack_messages
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.slack_reactions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_reactions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_reactions TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_reactions_service_all ON shared_db.slack_reactions;
--> statement-breakpoint
CREATE POLICY slack_reactions_service_all ON shared_db.slack_reactions FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_reactions_select_team ON shared_db.slack_reactions;
--> statement-breakpoint
CREATE POLICY slack_reactions_select_team ON shared_db.slack_reactions FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT ON shared_db.slack_reactions TO shared_db_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_reactions_set_updated_at BEFORE UPDATE ON shared_db.slack_reactions
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.slack_analyses ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_analyses FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_analyses TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_analyses_service_all ON shared_db.slack_analyses;
--> statement-breakpoint
CREATE POLICY slack_analyses_service_all ON shared_db.slack_analyses FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_analyses_select_team ON shared_db.slack_analyses;
--> statement-breakpoint
CREATE POLICY slack_analyses_select_team ON shared_db.slack_analyses FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT ON shared_db.slack_analyses TO shared_db_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_analyses_set_updated_at BEFORE UPDATE ON shared_db.slack_analyses
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.slack_analysis_channels ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_analysis_channels FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_analysis_channels TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_analysis_channels_service_all ON shared_db.slack_analysis_channels;
--> statement-breakpoint
CREATE POLICY slack_analysis_channels_service_all ON shared_db.slack_analysis_channels FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_analysis_channels_select_team ON shared_db.slack_analysis_channels;
--> statement-breakpoint
CREATE POLICY slack_analysis_channels_select_team ON shared_db.slack_analysis_channels FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT ON shared_db.slack_analysis_channels TO shared_db_app;
--> statement-breakpoint
ALTER TABLE shared_db.slack_contributions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_contributions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_contributions TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_contributions_service_all ON shared_db.slack_contributions;
--> statement-breakpoint
CREATE POLICY slack_contributions_service_all ON shared_db.slack_contributions FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_contributions_select_team ON shared_db.slack_contributions;
--> statement-breakpoint
CREATE POLICY slack_contributions_select_team ON shared_db.slack_contributions FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT ON shared_db.slack_contributions TO shared_db_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_contributions_set_updated_at BEFORE UPDATE ON shared_db.slack_contributions
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.slack_channel_analyses ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_channel_analyses FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_channel_analyses TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_channel_analyses_service_all ON shared_db.slack_channel_analyses;
--> statement-breakpoint
CREATE POLICY slack_channel_analyses_service_all ON shared_db.slack_channel_analyses FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS slack_channel_analyses_select_team ON shared_db.slack_channel_analyses;
--> statement-breakpoint
CREATE POLICY slack_channel_analyses_select_team ON shared_db.slack_channel_analyses FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
GRANT SELECT ON shared_db.slack_channel_analyses TO shared_db_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_channel_analyses_set_updated_at BEFORE UPDATE ON shared_db.slack_channel_analyses
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
