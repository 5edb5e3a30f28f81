-- Custom integrations are keyed (id, user_id) and the application role chooses their ids (their
-- credentials are encrypted bound to an id made in TypeScript), so, as for the team tables in
-- 0017, an id another user already has in the same table is refused, and user work cannot move a
-- row to another id or user (a credential, replaced under a fresh id, may change its id).
CREATE OR REPLACE TRIGGER custom_integrations_tenant_row_guard BEFORE INSERT OR UPDATE OF id, user_id ON shared_db.custom_integrations
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('user_id');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER custom_integration_actions_tenant_row_guard BEFORE INSERT OR UPDATE OF id, user_id ON shared_db.custom_integration_actions
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('user_id');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER custom_integration_credentials_tenant_row_guard BEFORE INSERT OR UPDATE OF id, user_id ON shared_db.custom_integration_credentials
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('user_id', 'rekey');
