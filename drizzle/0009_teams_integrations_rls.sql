-- Teams and the integration framework under RLS. Membership checks go through STABLE SECURITY
-- DEFINER functions with an empty search_path, called as (SELECT ...): one indexed lookup per
-- statement, not a subquery per row, and no recursion through team_members' own policies.
CREATE OR REPLACE FUNCTION shared_db.my_team_ids(min_role shared_db.team_member_role DEFAULT 'VIEWER') RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT coalesce(array_agg(m.team_id), '{}') FROM shared_db.team_members m
  WHERE m.user_id = shared_db.current_user_id() AND m.invitation_status = 'accepted' AND m.role <= min_role
$$;
--> statement-breakpoint
-- Integrations actively shared with any of the current user's teams (a revoked share hides it again).
CREATE OR REPLACE FUNCTION shared_db.shared_integration_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT coalesce(array_agg(s.integration_id), '{}') FROM shared_db.integration_shares s
  WHERE s.team_id = ANY (shared_db.my_team_ids('VIEWER')) AND s.status = 'active' AND s.revoked_at IS NULL
$$;
--> statement-breakpoint
-- The creator of a team with no members yet may add themselves as its first OWNER.
CREATE OR REPLACE FUNCTION shared_db.can_claim_team(p_team uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (SELECT 1 FROM shared_db.teams t WHERE t.id = p_team AND t.created_by_user_id = shared_db.current_user_id())
    AND NOT EXISTS (SELECT 1 FROM shared_db.team_members m WHERE m.team_id = p_team)
$$;
--> statement-breakpoint
-- A team always keeps an OWNER. The team row is locked first, so two concurrent demotions or
-- removals of the last two owners queue, and the second sees the first's result.
CREATE OR REPLACE FUNCTION shared_db.team_members_keep_owner() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF OLD.role = 'OWNER' AND OLD.invitation_status = 'accepted'
     AND (TG_OP = 'DELETE' OR NEW.role <> 'OWNER' OR NEW.invitation_status <> 'accepted') THEN
    -- Deleting the team itself cascades here; then there is nothing left to protect.
    PERFORM 1 FROM shared_db.teams WHERE id = OLD.team_id FOR UPDATE;
    IF FOUND AND NOT EXISTS (
      SELECT 1 FROM shared_db.team_members m
      WHERE m.team_id = OLD.team_id AND m.id <> OLD.id AND m.role = 'OWNER' AND m.invitation_status = 'accepted'
    ) THEN
      RAISE EXCEPTION 'a team must keep at least one owner' USING ERRCODE = 'check_violation', CONSTRAINT = 'team_members_last_owner';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER team_members_keep_owner BEFORE UPDATE OR DELETE ON shared_db.team_members
  FOR EACH ROW EXECUTE FUNCTION shared_db.team_members_keep_owner();
--> statement-breakpoint
-- Accepts an invitation by its token hash: single-use, unexpired, for the given team; the
-- application role may only accept for the current user.
CREATE OR REPLACE FUNCTION shared_db.accept_team_invitation(p_team uuid, p_token_hash text, p_user uuid) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  invite shared_db.team_members;
BEGIN
  IF shared_db.current_user_id() IS NOT NULL AND p_user IS DISTINCT FROM shared_db.current_user_id() THEN
    RAISE EXCEPTION 'an invitation can only be accepted by the signed-in user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- A token of another team is simply not found: the same answer as an unknown one.
  SELECT * INTO invite FROM shared_db.team_members WHERE team_id = p_team AND invitation_token = p_token_hash FOR UPDATE;
  IF NOT FOUND OR invite.invitation_status <> 'pending' THEN
    RAISE EXCEPTION 'invalid_invitation' USING ERRCODE = 'P0001', HINT = 'unknown, already used or for another team';
  END IF;
  IF invite.invitation_expires_at < now() THEN
    RAISE EXCEPTION 'expired_invitation' USING ERRCODE = 'P0001';
  END IF;
  UPDATE shared_db.team_members SET user_id = p_user, invitation_status = 'accepted', invitation_token = NULL
  WHERE id = invite.id;
  RETURN invite.id;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.my_team_ids(shared_db.team_member_role) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.my_team_ids(shared_db.team_member_role) TO shared_db_app, shared_db_service;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.shared_integration_ids() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.shared_integration_ids() TO shared_db_app, shared_db_service;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.can_claim_team(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.can_claim_team(uuid) TO shared_db_app, shared_db_service;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.accept_team_invitation(uuid, text, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.accept_team_invitation(uuid, text, uuid) TO shared_db_app, shared_db_service;
--> statement-breakpoint
ALTER TABLE shared_db.teams ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.teams FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.teams TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS teams_service_all ON shared_db.teams;
--> statement-breakpoint
CREATE POLICY teams_service_all ON shared_db.teams FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE TRIGGER teams_set_updated_at BEFORE UPDATE ON shared_db.teams
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.team_members ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.team_members FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.team_members TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS team_members_service_all ON shared_db.team_members;
--> statement-breakpoint
CREATE POLICY team_members_service_all ON shared_db.team_members FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE TRIGGER team_members_set_updated_at BEFORE UPDATE ON shared_db.team_members
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.integrations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.integrations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.integrations TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS integrations_service_all ON shared_db.integrations;
--> statement-breakpoint
CREATE POLICY integrations_service_all ON shared_db.integrations FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integrations_set_updated_at BEFORE UPDATE ON shared_db.integrations
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.integration_credentials ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.integration_credentials FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.integration_credentials TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS integration_credentials_service_all ON shared_db.integration_credentials;
--> statement-breakpoint
CREATE POLICY integration_credentials_service_all ON shared_db.integration_credentials FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integration_credentials_set_updated_at BEFORE UPDATE ON shared_db.integration_credentials
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.service_resources ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.service_resources FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.service_resources TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS service_resources_service_all ON shared_db.service_resources;
--> statement-breakpoint
CREATE POLICY service_resources_service_all ON shared_db.service_resources FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE TRIGGER service_resources_set_updated_at BEFORE UPDATE ON shared_db.service_resources
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.integration_shares ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.integration_shares FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.integration_shares TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS integration_shares_service_all ON shared_db.integration_shares;
--> statement-breakpoint
CREATE POLICY integration_shares_service_all ON shared_db.integration_shares FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integration_shares_set_updated_at BEFORE UPDATE ON shared_db.integration_shares
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.resource_access ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.resource_access FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.resource_access TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS resource_access_service_all ON shared_db.resource_access;
--> statement-breakpoint
CREATE POLICY resource_access_service_all ON shared_db.resource_access FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE TRIGGER resource_access_set_updated_at BEFORE UPDATE ON shared_db.resource_access
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
ALTER TABLE shared_db.integration_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.integration_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.integration_events TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS integration_events_service_all ON shared_db.integration_events;
--> statement-breakpoint
CREATE POLICY integration_events_service_all ON shared_db.integration_events FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integration_events_set_updated_at BEFORE UPDATE ON shared_db.integration_events
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.teams TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.team_members TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.integrations TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.integration_credentials TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.service_resources TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.integration_shares TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.resource_access TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON shared_db.integration_events TO shared_db_app;
--> statement-breakpoint
DROP POLICY IF EXISTS teams_select_member ON shared_db.teams;
--> statement-breakpoint
CREATE POLICY teams_select_member ON shared_db.teams FOR SELECT TO shared_db_app
  USING (id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS teams_insert_creator ON shared_db.teams;
--> statement-breakpoint
CREATE POLICY teams_insert_creator ON shared_db.teams FOR INSERT TO shared_db_app
  WITH CHECK (created_by_user_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS teams_update_admin ON shared_db.teams;
--> statement-breakpoint
CREATE POLICY teams_update_admin ON shared_db.teams FOR UPDATE TO shared_db_app
  USING (id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]))
  WITH CHECK (id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS teams_delete_owner ON shared_db.teams;
--> statement-breakpoint
CREATE POLICY teams_delete_owner ON shared_db.teams FOR DELETE TO shared_db_app
  USING (id = ANY ((SELECT shared_db.my_team_ids('OWNER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS team_members_select_member ON shared_db.team_members;
--> statement-breakpoint
CREATE POLICY team_members_select_member ON shared_db.team_members FOR SELECT TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS team_members_insert_admin ON shared_db.team_members;
--> statement-breakpoint
CREATE POLICY team_members_insert_admin ON shared_db.team_members FOR INSERT TO shared_db_app
  WITH CHECK (team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]) OR (user_id = (SELECT shared_db.current_user_id()) AND role = 'OWNER' AND invitation_status = 'accepted' AND shared_db.can_claim_team(team_id)));
--> statement-breakpoint
DROP POLICY IF EXISTS team_members_update_admin ON shared_db.team_members;
--> statement-breakpoint
CREATE POLICY team_members_update_admin ON shared_db.team_members FOR UPDATE TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]))
  WITH CHECK (team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS team_members_delete_admin_or_self ON shared_db.team_members;
--> statement-breakpoint
CREATE POLICY team_members_delete_admin_or_self ON shared_db.team_members FOR DELETE TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]) OR user_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS integrations_select_visible ON shared_db.integrations;
--> statement-breakpoint
CREATE POLICY integrations_select_visible ON shared_db.integrations FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]) OR id = ANY ((SELECT shared_db.shared_integration_ids())::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integrations_insert_admin ON shared_db.integrations;
--> statement-breakpoint
CREATE POLICY integrations_insert_admin ON shared_db.integrations FOR INSERT TO shared_db_app
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integrations_update_admin ON shared_db.integrations;
--> statement-breakpoint
CREATE POLICY integrations_update_admin ON shared_db.integrations FOR UPDATE TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]))
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integrations_delete_admin ON shared_db.integrations;
--> statement-breakpoint
CREATE POLICY integrations_delete_admin ON shared_db.integrations FOR DELETE TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integration_credentials_admin_all ON shared_db.integration_credentials;
--> statement-breakpoint
CREATE POLICY integration_credentials_admin_all ON shared_db.integration_credentials FOR ALL TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]))
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS service_resources_select_visible ON shared_db.service_resources;
--> statement-breakpoint
CREATE POLICY service_resources_select_visible ON shared_db.service_resources FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]) OR integration_id = ANY ((SELECT shared_db.shared_integration_ids())::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS service_resources_insert_admin ON shared_db.service_resources;
--> statement-breakpoint
CREATE POLICY service_resources_insert_admin ON shared_db.service_resources FOR INSERT TO shared_db_app
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS service_resources_update_admin ON shared_db.service_resources;
--> statement-breakpoint
CREATE POLICY service_resources_update_admin ON shared_db.service_resources FOR UPDATE TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]))
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS service_resources_delete_admin ON shared_db.service_resources;
--> statement-breakpoint
CREATE POLICY service_resources_delete_admin ON shared_db.service_resources FOR DELETE TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integration_shares_insert_admin ON shared_db.integration_shares;
--> statement-breakpoint
CREATE POLICY integration_shares_insert_admin ON shared_db.integration_shares FOR INSERT TO shared_db_app
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integration_shares_update_admin ON shared_db.integration_shares;
--> statement-breakpoint
CREATE POLICY integration_shares_update_admin ON shared_db.integration_shares FOR UPDATE TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]))
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integration_shares_delete_admin ON shared_db.integration_shares;
--> statement-breakpoint
CREATE POLICY integration_shares_delete_admin ON shared_db.integration_shares FOR DELETE TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_access_insert_admin ON shared_db.resource_access;
--> statement-breakpoint
CREATE POLICY resource_access_insert_admin ON shared_db.resource_access FOR INSERT TO shared_db_app
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_access_update_admin ON shared_db.resource_access;
--> statement-breakpoint
CREATE POLICY resource_access_update_admin ON shared_db.resource_access FOR UPDATE TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]))
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_access_delete_admin ON shared_db.resource_access;
--> statement-breakpoint
CREATE POLICY resource_access_delete_admin ON shared_db.resource_access FOR DELETE TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integration_shares_select_involved ON shared_db.integration_shares;
--> statement-breakpoint
CREATE POLICY integration_shares_select_involved ON shared_db.integration_shares FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]) OR team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_access_select_involved ON shared_db.resource_access;
--> statement-breakpoint
CREATE POLICY resource_access_select_involved ON shared_db.resource_access FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]) OR team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integration_events_select_involved ON shared_db.integration_events;
--> statement-breakpoint
CREATE POLICY integration_events_select_involved ON shared_db.integration_events FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]) OR affected_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS integration_events_insert_admin ON shared_db.integration_events;
--> statement-breakpoint
CREATE POLICY integration_events_insert_admin ON shared_db.integration_events FOR INSERT TO shared_db_app
  WITH CHECK (owner_team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]) AND actor_user_id = (SELECT shared_db.current_user_id()));
