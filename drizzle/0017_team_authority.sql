-- Authority over teams and integrations (issue 16, items 3 and 4).
--
-- Ids: since primary keys became (id, tenant key), an id is unique only within its team, and the
-- application role chooses ids (secrets are bound to an id generated in TypeScript). So every
-- function and policy below matches the (id, team) pair it means, and a row whose id is already
-- used under another team is refused (on insert, and on a change of id or team key).
--
-- Team roles: only an OWNER grants or removes OWNER, whatever the statement; the last-owner rule
-- also covers a change of user; accepting an invitation needs the invited user's context.

-- A primary-key id belongs to one tenant. TG_ARGV[0] names the tenant column. SECURITY DEFINER
-- to see every tenant's rows; the advisory lock queues two inserts of one id, and under READ
-- COMMITTED each statement below sees what the other committed. The application role may not
-- move a row to another id or tenant at all (service work may: the same check applies).
CREATE OR REPLACE FUNCTION shared_db.tenant_row_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  tenant_col text := TG_ARGV[0];
  new_tenant uuid := (pg_catalog.to_jsonb(NEW) ->> tenant_col)::uuid;
  taken boolean;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.id = OLD.id AND new_tenant = (pg_catalog.to_jsonb(OLD) ->> tenant_col)::uuid THEN
      RETURN NEW;
    END IF;
    -- 'rekey': a table whose rows get a fresh id on replacement (a credential re-encrypted under
    -- its new id) lets user work change the id within the tenant, still refusing a taken one.
    IF NOT shared_db.caller_is_service() AND NOT (TG_NARGS > 1 AND TG_ARGV[1] = 'rekey'
        AND new_tenant = (pg_catalog.to_jsonb(OLD) ->> tenant_col)::uuid) THEN
      RAISE EXCEPTION 'the id and % of a shared_db.% row cannot be changed', tenant_col, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('shared_db.' || TG_TABLE_NAME), pg_catalog.hashtext(NEW.id::text));
  EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE id = $1 AND %I <> $2)', TG_TABLE_SCHEMA, TG_TABLE_NAME, tenant_col)
    INTO taken USING NEW.id, new_tenant;
  IF taken THEN
    RAISE EXCEPTION 'the id % of shared_db.% is already used under another %', NEW.id, TG_TABLE_NAME, tenant_col
      USING ERRCODE = 'unique_violation', CONSTRAINT = TG_TABLE_NAME || '_id_tenant_key';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.tenant_row_guard() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER team_members_tenant_row_guard BEFORE INSERT OR UPDATE OF id, team_id ON shared_db.team_members
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('team_id');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integrations_tenant_row_guard BEFORE INSERT OR UPDATE OF id, owner_team_id ON shared_db.integrations
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('owner_team_id');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integration_credentials_tenant_row_guard BEFORE INSERT OR UPDATE OF id, owner_team_id ON shared_db.integration_credentials
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('owner_team_id', 'rekey');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER service_resources_tenant_row_guard BEFORE INSERT OR UPDATE OF id, owner_team_id ON shared_db.service_resources
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('owner_team_id');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integration_shares_tenant_row_guard BEFORE INSERT OR UPDATE OF id, owner_team_id ON shared_db.integration_shares
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('owner_team_id');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER resource_access_tenant_row_guard BEFORE INSERT OR UPDATE OF id, owner_team_id ON shared_db.resource_access
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('owner_team_id');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integration_events_tenant_row_guard BEFORE INSERT OR UPDATE OF id, owner_team_id ON shared_db.integration_events
  FOR EACH ROW EXECUTE FUNCTION shared_db.tenant_row_guard('owner_team_id');
--> statement-breakpoint
-- Integrations actively shared with any of the current user's teams, as (integration, owner team)
-- pairs: an id alone would also name another team's integration that reuses it.
CREATE OR REPLACE FUNCTION shared_db.shared_integrations() RETURNS TABLE (integration_id uuid, owner_team_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' ROWS 20 AS $$
  SELECT s.integration_id, s.owner_team_id FROM shared_db.integration_shares s
  WHERE s.team_id = ANY (shared_db.my_team_ids('VIEWER')) AND s.status = 'active' AND s.revoked_at IS NULL
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.shared_integrations() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.shared_integrations() TO shared_db_app, shared_db_service;
--> statement-breakpoint
-- An uncorrelated IN (SELECT ...): evaluated once per statement as a hashed subplan.
DROP POLICY IF EXISTS integrations_select_visible ON shared_db.integrations;
--> statement-breakpoint
CREATE POLICY integrations_select_visible ON shared_db.integrations FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR (id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations() s));
--> statement-breakpoint
DROP POLICY IF EXISTS service_resources_select_visible ON shared_db.service_resources;
--> statement-breakpoint
CREATE POLICY service_resources_select_visible ON shared_db.service_resources FOR SELECT TO shared_db_app
  USING (owner_team_id = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations() s));
--> statement-breakpoint
-- Replaced by shared_integrations(): ids alone are not safe to compare.
DROP FUNCTION IF EXISTS shared_db.shared_integration_ids();
--> statement-breakpoint
-- Accepts an invitation by its token hash: single-use, unexpired, for the given team, and only
-- for the signed-in user (or by service work, e.g. a backend that verified the user's session).
-- The row is updated by its (id, team) key: an id alone may also name another team's member.
CREATE OR REPLACE FUNCTION shared_db.accept_team_invitation(p_team uuid, p_token_hash text, p_user uuid) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  invite shared_db.team_members;
BEGIN
  IF NOT shared_db.caller_is_service() AND p_user IS DISTINCT FROM shared_db.current_user_id() THEN
    RAISE EXCEPTION 'an invitation can only be accepted by the signed-in user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_user IS NULL THEN
    RAISE EXCEPTION 'invalid_invitation' USING ERRCODE = 'P0001', HINT = 'no user';
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
  WHERE id = invite.id AND team_id = invite.team_id;
  RETURN invite.id;
END $$;
--> statement-breakpoint
-- Only an OWNER of the team writes a row that is, or becomes, an OWNER row (membership or
-- invitation): granting, removing, re-assigning or editing it. The exception is the team's creator
-- claiming a team that has no member yet. Runs as the invoker, so is_service() is true for service
-- work and inside the owner's SECURITY DEFINER functions (accept_team_invitation), which check
-- their caller themselves.
CREATE OR REPLACE FUNCTION shared_db.team_members_owner_authority() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF ((TG_OP <> 'DELETE' AND NEW.role = 'OWNER') OR (TG_OP <> 'INSERT' AND OLD.role = 'OWNER'))
     AND NOT shared_db.is_service() THEN
    IF NOT (
      (TG_OP = 'DELETE' OR NEW.team_id = ANY (shared_db.my_team_ids('OWNER')))
      AND (TG_OP = 'INSERT' OR OLD.team_id = ANY (shared_db.my_team_ids('OWNER')))
    ) AND NOT coalesce(
      TG_OP = 'INSERT' AND NEW.user_id = shared_db.current_user_id() AND NEW.invitation_status = 'accepted'
      AND shared_db.can_claim_team(NEW.team_id), false
    ) THEN
      RAISE EXCEPTION 'only an OWNER of the team grants, changes or removes the OWNER role'
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'team_members_owner_authority';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER team_members_owner_authority BEFORE INSERT OR UPDATE OR DELETE ON shared_db.team_members
  FOR EACH ROW EXECUTE FUNCTION shared_db.team_members_owner_authority();
--> statement-breakpoint
-- A team always keeps an OWNER who can act: demoting, removing, un-accepting the last one, or
-- setting its row to another user (or none), is refused. The team row is locked first, so two
-- concurrent changes of the last two owners queue, and the second sees the first's result.
CREATE OR REPLACE FUNCTION shared_db.team_members_keep_owner() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF OLD.role = 'OWNER' AND OLD.invitation_status = 'accepted'
     AND (TG_OP = 'DELETE' OR NEW.role <> 'OWNER' OR NEW.invitation_status <> 'accepted'
          OR NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.team_id <> OLD.team_id) THEN
    -- Deleting the team itself cascades here; then there is nothing left to protect.
    PERFORM 1 FROM shared_db.teams WHERE id = OLD.team_id FOR UPDATE;
    IF FOUND AND NOT EXISTS (
      SELECT 1 FROM shared_db.team_members m
      WHERE m.team_id = OLD.team_id AND m.id <> OLD.id AND m.role = 'OWNER' AND m.invitation_status = 'accepted'
        AND m.user_id IS NOT NULL
    ) THEN
      RAISE EXCEPTION 'a team must keep at least one owner' USING ERRCODE = 'check_violation', CONSTRAINT = 'team_members_last_owner';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
