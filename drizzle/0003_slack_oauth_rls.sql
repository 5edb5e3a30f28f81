-- Slack OAuth tables hold every workspace's tokens. They are service work only: the Bolt stores
-- run on the login connection (a member of shared_db_service); shared_db_app gets no grants,
-- so no user transaction can read them, and RLS is forced so a non-member sees nothing.
ALTER TABLE shared_db.slack_bots ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_bots FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_bots TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_bots_service_all ON shared_db.slack_bots;
--> statement-breakpoint
CREATE POLICY slack_bots_service_all ON shared_db.slack_bots FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE shared_db.slack_user_tokens ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_user_tokens FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_user_tokens TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_user_tokens_service_all ON shared_db.slack_user_tokens;
--> statement-breakpoint
CREATE POLICY slack_user_tokens_service_all ON shared_db.slack_user_tokens FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE shared_db.slack_installations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_installations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_installations TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_installations_service_all ON shared_db.slack_installations;
--> statement-breakpoint
CREATE POLICY slack_installations_service_all ON shared_db.slack_installations FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE shared_db.slack_oauth_states ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.slack_oauth_states FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.slack_oauth_states TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_oauth_states_service_all ON shared_db.slack_oauth_states;
--> statement-breakpoint
CREATE POLICY slack_oauth_states_service_all ON shared_db.slack_oauth_states FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
GRANT USAGE ON SEQUENCE shared_db.slack_oauth_states_seq_seq TO shared_db_service;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_bots_set_updated_at BEFORE UPDATE ON shared_db.slack_bots
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_user_tokens_set_updated_at BEFORE UPDATE ON shared_db.slack_user_tokens
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
