-- Contribution viewer seed, complete (issue 21). Enum values the original application writes
-- (added here, never used in this transaction); an overall contribution row per user (channel_id
-- NULL); Slack user history kept; share_level and access_level enforced; channel selection and
-- member activity for user work.
ALTER TYPE "shared_db"."integration_credential_type" ADD VALUE IF NOT EXISTS 'PERSONAL_TOKEN';--> statement-breakpoint
ALTER TYPE "shared_db"."integration_credential_type" ADD VALUE IF NOT EXISTS 'APP_TOKEN';--> statement-breakpoint
ALTER TYPE "shared_db"."integration_event_type" ADD VALUE IF NOT EXISTS 'UNSHARED';--> statement-breakpoint
ALTER TYPE "shared_db"."integration_event_type" ADD VALUE IF NOT EXISTS 'DISCONNECTED';--> statement-breakpoint
ALTER TYPE "shared_db"."integration_event_type" ADD VALUE IF NOT EXISTS 'ACCESS_CHANGED';--> statement-breakpoint
ALTER TYPE "shared_db"."integration_event_type" ADD VALUE IF NOT EXISTS 'ERROR';--> statement-breakpoint
ALTER TYPE "shared_db"."service_resource_type" ADD VALUE IF NOT EXISTS 'SLACK_USER';--> statement-breakpoint
ALTER TYPE "shared_db"."service_resource_type" ADD VALUE IF NOT EXISTS 'GITHUB_ISSUE';--> statement-breakpoint
ALTER TYPE "shared_db"."service_resource_type" ADD VALUE IF NOT EXISTS 'GITHUB_PR';--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" DROP CONSTRAINT IF EXISTS "slack_contributions_analysis_id_user_id_channel_id_team_id_key";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ALTER COLUMN "channel_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ADD CONSTRAINT "slack_contributions_analysis_id_user_id_channel_id_team_id_key" UNIQUE NULLS NOT DISTINCT("analysis_id","user_id","channel_id","team_id");--> statement-breakpoint
-- A Slack user with messages, reactions or contributions is kept (deleteSlackUser marks it
-- is_deleted): a direct DELETE is refused, so history keeps its author. Deleting the workspace or
-- the team still removes everything: then the parent row is already gone when the cascade gets here.
CREATE OR REPLACE FUNCTION shared_db.slack_users_keep_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM shared_db.teams WHERE id = OLD.team_id)
     AND EXISTS (SELECT 1 FROM shared_db.slack_workspaces WHERE id = OLD.workspace_id AND team_id = OLD.team_id)
     AND (EXISTS (SELECT 1 FROM shared_db.slack_messages WHERE user_id = OLD.id AND team_id = OLD.team_id)
       OR EXISTS (SELECT 1 FROM shared_db.slack_reactions WHERE user_id = OLD.id AND team_id = OLD.team_id)
       OR EXISTS (SELECT 1 FROM shared_db.slack_contributions WHERE user_id = OLD.id AND team_id = OLD.team_id)) THEN
    RAISE EXCEPTION 'update or delete on table "slack_users" is refused: the user has messages, reactions or contributions (mark the user deleted instead)'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'slack_users', SCHEMA = 'shared_db', CONSTRAINT = 'slack_users_keep_history';
  END IF;
  RETURN OLD;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.slack_users_keep_history() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER slack_users_keep_history BEFORE DELETE ON shared_db.slack_users
  FOR EACH ROW EXECUTE FUNCTION shared_db.slack_users_keep_history();
--> statement-breakpoint
-- Share levels (an active share to one of the user's teams, where the user has at least min_role):
--   READ_ONLY       read the integration and its service resources;
--   LIMITED_ACCESS  also record USED events on it, for the receiving team (MEMBER or above);
--   FULL_ACCESS     also read its whole event history, and update its resources' name, metadata
--                   and last_synced_at (ADMIN or above of the receiving team).
-- Returned as (integration, owner team, receiving team) triples: an id alone is unique only per owner.
CREATE OR REPLACE FUNCTION shared_db.shared_integrations_at(min_level shared_db.integration_share_level, min_role shared_db.team_member_role)
RETURNS TABLE (integration_id uuid, owner_team_id uuid, team_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' ROWS 20 AS $$
  SELECT s.integration_id, s.owner_team_id, s.team_id FROM shared_db.integration_shares s
  WHERE s.team_id = ANY (shared_db.my_team_ids(min_role)) AND s.status = 'active' AND s.revoked_at IS NULL
    AND s.share_level <= min_level
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.shared_integrations_at(shared_db.integration_share_level, shared_db.team_member_role) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.shared_integrations_at(shared_db.integration_share_level, shared_db.team_member_role) TO shared_db_app, shared_db_service;
--> statement-breakpoint
-- Resource access levels (a grant of one resource to one of the user's teams):
--   READ   read the resource (without a share of its integration);
--   WRITE  also update its name, metadata and last_synced_at (MEMBER or above);
--   ADMIN  also grant and revoke READ or WRITE on that resource to other teams (ADMIN or above).
CREATE OR REPLACE FUNCTION shared_db.granted_resources(min_level shared_db.resource_access_level, min_role shared_db.team_member_role)
RETURNS TABLE (resource_id uuid, owner_team_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' ROWS 20 AS $$
  SELECT a.resource_id, a.owner_team_id FROM shared_db.resource_access a
  WHERE a.team_id = ANY (shared_db.my_team_ids(min_role)) AND a.access_level >= min_level
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.granted_resources(shared_db.resource_access_level, shared_db.team_member_role) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.granted_resources(shared_db.resource_access_level, shared_db.team_member_role) TO shared_db_app, shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS service_resources_select_visible ON shared_db.service_resources;
--> statement-breakpoint
CREATE POLICY service_resources_select_visible ON shared_db.service_resources FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations() s)
    OR (id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('READ', 'VIEWER') g));
--> statement-breakpoint
DROP POLICY IF EXISTS service_resources_update_delegated ON shared_db.service_resources;
--> statement-breakpoint
CREATE POLICY service_resources_update_delegated ON shared_db.service_resources FOR UPDATE TO shared_db_app
  USING ((id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('WRITE', 'MEMBER') g)
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('FULL_ACCESS', 'ADMIN') s))
  WITH CHECK ((id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('WRITE', 'MEMBER') g)
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('FULL_ACCESS', 'ADMIN') s));
--> statement-breakpoint
-- A team other than the owner changes only what describes the resource, never what it is.
CREATE OR REPLACE FUNCTION shared_db.service_resources_delegated_columns() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NOT shared_db.is_service() AND NOT (OLD.owner_team_id = ANY (shared_db.my_team_ids('ADMIN')))
     AND (NEW.integration_id, NEW.resource_type, NEW.external_id) IS DISTINCT FROM (OLD.integration_id, OLD.resource_type, OLD.external_id) THEN
    RAISE EXCEPTION 'only the owner team changes what a service resource is' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER service_resources_delegated_columns BEFORE UPDATE ON shared_db.service_resources
  FOR EACH ROW EXECUTE FUNCTION shared_db.service_resources_delegated_columns();
--> statement-breakpoint
DROP POLICY IF EXISTS integration_events_select_involved ON shared_db.integration_events;
--> statement-breakpoint
CREATE POLICY integration_events_select_involved ON shared_db.integration_events FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR affected_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('FULL_ACCESS', 'VIEWER') s));
--> statement-breakpoint
DROP POLICY IF EXISTS integration_events_insert_shared_use ON shared_db.integration_events;
--> statement-breakpoint
CREATE POLICY integration_events_insert_shared_use ON shared_db.integration_events FOR INSERT TO shared_db_app
  WITH CHECK (event_type = 'USED' AND actor_user_id = (SELECT shared_db.current_user_id())
    AND (integration_id, owner_team_id, affected_team_id) IN (SELECT s.integration_id, s.owner_team_id, s.team_id FROM shared_db.shared_integrations_at('LIMITED_ACCESS', 'MEMBER') s));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_access_select_delegated ON shared_db.resource_access;
--> statement-breakpoint
CREATE POLICY resource_access_select_delegated ON shared_db.resource_access FOR SELECT TO shared_db_app
  USING ((resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_access_insert_delegated ON shared_db.resource_access;
--> statement-breakpoint
CREATE POLICY resource_access_insert_delegated ON shared_db.resource_access FOR INSERT TO shared_db_app
  WITH CHECK (access_level <> 'ADMIN'
    AND (resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g));
--> statement-breakpoint
DROP POLICY IF EXISTS resource_access_delete_delegated ON shared_db.resource_access;
--> statement-breakpoint
CREATE POLICY resource_access_delete_delegated ON shared_db.resource_access FOR DELETE TO shared_db_app
  USING (access_level <> 'ADMIN'
    AND (resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g));
--> statement-breakpoint
-- Choosing channels for analysis: a team ADMIN or OWNER, and only that column.
GRANT UPDATE (is_selected_for_analysis) ON shared_db.slack_channels TO shared_db_app;
--> statement-breakpoint
DROP POLICY IF EXISTS slack_channels_update_admin ON shared_db.slack_channels;
--> statement-breakpoint
CREATE POLICY slack_channels_update_admin ON shared_db.slack_channels FOR UPDATE TO shared_db_app
  USING (team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]))
  WITH CHECK (team_id = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
-- A member stamps their own last_active_at (a member may not update their own row otherwise:
-- the role is in it), or service work stamps any member's.
CREATE OR REPLACE FUNCTION shared_db.mark_member_active(p_team uuid, p_user uuid) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  stamped timestamptz;
BEGIN
  IF NOT shared_db.caller_is_service() AND (shared_db.current_user_id() IS NULL OR p_user IS DISTINCT FROM shared_db.current_user_id()) THEN
    RAISE EXCEPTION 'a member marks only themselves active' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE shared_db.team_members SET last_active_at = now()
  WHERE team_id = p_team AND user_id = p_user AND invitation_status = 'accepted'
  RETURNING last_active_at INTO stamped;
  RETURN stamped;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.mark_member_active(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.mark_member_active(uuid, uuid) TO shared_db_app, shared_db_service;
