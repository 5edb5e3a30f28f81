-- Custom integrations: each row is visible and changeable only by its owner (user_id).
ALTER TABLE shared_db.custom_integrations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.custom_integrations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.custom_integrations TO shared_db_app, shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS custom_integrations_service_all ON shared_db.custom_integrations;
--> statement-breakpoint
CREATE POLICY custom_integrations_service_all ON shared_db.custom_integrations FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS custom_integrations_owner_all ON shared_db.custom_integrations;
--> statement-breakpoint
CREATE POLICY custom_integrations_owner_all ON shared_db.custom_integrations FOR ALL TO shared_db_app
  USING (user_id = (SELECT shared_db.current_user_id())) WITH CHECK (user_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
CREATE OR REPLACE TRIGGER custom_integrations_set_updated_at BEFORE UPDATE ON shared_db.custom_integrations
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.custom_integration_actions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.custom_integration_actions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.custom_integration_actions TO shared_db_app, shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS custom_integration_actions_service_all ON shared_db.custom_integration_actions;
--> statement-breakpoint
CREATE POLICY custom_integration_actions_service_all ON shared_db.custom_integration_actions FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS custom_integration_actions_owner_all ON shared_db.custom_integration_actions;
--> statement-breakpoint
CREATE POLICY custom_integration_actions_owner_all ON shared_db.custom_integration_actions FOR ALL TO shared_db_app
  USING (user_id = (SELECT shared_db.current_user_id())) WITH CHECK (user_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
CREATE OR REPLACE TRIGGER custom_integration_actions_set_updated_at BEFORE UPDATE ON shared_db.custom_integration_actions
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.custom_integration_credentials ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.custom_integration_credentials FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.custom_integration_credentials TO shared_db_app, shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS custom_integration_credentials_service_all ON shared_db.custom_integration_credentials;
--> statement-breakpoint
CREATE POLICY custom_integration_credentials_service_all ON shared_db.custom_integration_credentials FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS custom_integration_credentials_owner_all ON shared_db.custom_integration_credentials;
--> statement-breakpoint
CREATE POLICY custom_integration_credentials_owner_all ON shared_db.custom_integration_credentials FOR ALL TO shared_db_app
  USING (user_id = (SELECT shared_db.current_user_id())) WITH CHECK (user_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
CREATE OR REPLACE TRIGGER custom_integration_credentials_set_updated_at BEFORE UPDATE ON shared_db.custom_integration_credentials
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
