-- Team authority, third pass (issue 34, items 1 and 7; issue 27, item 7).
--
-- 1. Invitations: no user reads a token hash (column privileges), acceptance takes the raw token
--    and hashes it here, and only the user the invitation is addressed to (by email) accepts it.
-- 2. Membership needs consent: user work adds only pending invitations (or the creator's own
--    OWNER row), and never accepts or re-assigns a row itself; an event names only a team the
--    integration is about (its owner, a team it is or was shared with, a team granted a resource).
-- 3. Attribution: in user work every "by user" column is the acting user.

-- The stored SHA-256 let any member accept an invitation without the token: the application role
-- reads every column but invitation_token. A new column needs its own grant (fails closed).
REVOKE SELECT ON shared_db.team_members FROM shared_db_app;
--> statement-breakpoint
GRANT SELECT (id, team_id, user_id, email, display_name, role, invitation_status, invitation_expires_at, last_active_at, created_at, updated_at)
  ON shared_db.team_members TO shared_db_app;
--> statement-breakpoint
-- Took the hash itself, which members could read: dropped, so nothing can call it.
DROP FUNCTION IF EXISTS shared_db.accept_team_invitation(uuid, text, uuid);
--> statement-breakpoint
-- Accepts an invitation by its raw token, hashed here as TypeScript hashed it when inviting (hex
-- SHA-256 of the UTF-8 bytes; pg_catalog.sha256 needs no extension). Authority first: user work
-- accepts only for the signed-in user. Then the invitation must be pending and addressed to that
-- user's email (case-insensitively); unknown, used, other-team and other-addressee tokens answer
-- the same. SECURITY DEFINER: the caller cannot read the hash, or write the accepted row.
CREATE OR REPLACE FUNCTION shared_db.redeem_team_invitation(p_team uuid, p_token text, p_user uuid) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  invite record;
BEGIN
  IF NOT shared_db.caller_is_service() AND (p_user IS NULL OR p_user IS DISTINCT FROM shared_db.current_user_id()) THEN
    RAISE EXCEPTION 'an invitation can only be accepted by the signed-in user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT m.id, m.team_id, m.invitation_expires_at INTO invite
    FROM shared_db.team_members m JOIN shared_db.users u ON u.id = p_user
   WHERE m.team_id = p_team
     AND m.invitation_token = pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8')), 'hex')
     AND m.invitation_status = 'pending'
     AND pg_catalog.lower(m.email) = pg_catalog.lower(u.email)
     FOR UPDATE OF m;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invalid_invitation' USING ERRCODE = 'P0001',
      HINT = 'unknown, already used, for another team or addressed to another email';
  END IF;
  IF invite.invitation_expires_at < pg_catalog.now() THEN
    RAISE EXCEPTION 'expired_invitation' USING ERRCODE = 'P0001';
  END IF;
  UPDATE shared_db.team_members SET user_id = p_user, invitation_status = 'accepted', invitation_token = NULL
   WHERE id = invite.id AND team_id = invite.team_id;
  RETURN invite.id;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.redeem_team_invitation(uuid, text, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.redeem_team_invitation(uuid, text, uuid) TO shared_db_app, shared_db_service;
--> statement-breakpoint
-- Membership needs the member's consent. User work inserts a pending invitation addressed to
-- nobody yet (or the creator claims a team that has no member, as its OWNER), and never sets a
-- row to accepted or changes whose row it is: redeem_team_invitation and service work do.
-- Runs as the invoker, so is_service() is true inside the owner's definer functions.
CREATE OR REPLACE FUNCTION shared_db.team_members_consent() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF shared_db.is_service() THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF (NEW.invitation_status = 'pending' AND NEW.user_id IS NULL) OR coalesce(
        NEW.invitation_status = 'accepted' AND NEW.role = 'OWNER' AND NEW.user_id = shared_db.current_user_id()
        AND shared_db.can_claim_team(NEW.team_id), false) THEN
      RETURN NEW;
    END IF;
  ELSIF NEW.user_id IS NOT DISTINCT FROM OLD.user_id
        AND (NEW.invitation_status <> 'accepted' OR OLD.invitation_status = 'accepted') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'a member joins a team only by accepting an invitation addressed to them, for table "team_members"'
    USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'team_members_consent';
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.team_members_consent() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER team_members_consent BEFORE INSERT OR UPDATE OF user_id, invitation_status ON shared_db.team_members
  FOR EACH ROW EXECUTE FUNCTION shared_db.team_members_consent();
--> statement-breakpoint
-- An event shows in the history of the team it names (affected_team_id), so user work names only a
-- team the integration concerns: its owner team, a team it is or was shared with (a revoked share
-- records SHARE_REVOKED after), or a team granted one of its resources (the grant exists while
-- ACCESS_GRANTED or ACCESS_CHANGED is recorded). Runs as the invoker: it reads only the shares and
-- grants the caller sees, so it tells nothing the caller could not read.
CREATE OR REPLACE FUNCTION shared_db.integration_events_affected_team() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.affected_team_id IS NULL OR NEW.affected_team_id = NEW.owner_team_id OR shared_db.is_service()
     OR EXISTS (SELECT 1 FROM shared_db.integration_shares s
                WHERE s.integration_id = NEW.integration_id AND s.owner_team_id = NEW.owner_team_id AND s.team_id = NEW.affected_team_id)
     OR EXISTS (SELECT 1 FROM shared_db.resource_access a
                JOIN shared_db.service_resources r ON r.id = a.resource_id AND r.owner_team_id = a.owner_team_id
                WHERE a.owner_team_id = NEW.owner_team_id AND a.team_id = NEW.affected_team_id AND r.integration_id = NEW.integration_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'an event names only a team the integration is shared with or granted to, for table "integration_events"'
    USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'integration_events_affected_team';
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.integration_events_affected_team() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integration_events_affected_team BEFORE INSERT OR UPDATE OF affected_team_id, integration_id, owner_team_id
  ON shared_db.integration_events FOR EACH ROW EXECUTE FUNCTION shared_db.integration_events_affected_team();
--> statement-breakpoint
-- Attribution: in user work a "by user" column names the acting user. TG_ARGV[0] is the user id
-- column; TG_ARGV[1] 'once' keeps it as inserted (who created the row), 'latest' lets each writer
-- record itself (who last shared or granted); TG_ARGV[2], if given, is an email column that names
-- the same user (or nobody). Columns the policies already tie to the user (audit_logs.actor_id,
-- integration_events.actor_user_id, escrow's creator and payer) need no trigger.
CREATE OR REPLACE FUNCTION shared_db.acting_user_attribution() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  me uuid := shared_db.current_user_id();
  by_col text := TG_ARGV[0];
  email_col text := CASE WHEN TG_NARGS > 2 THEN TG_ARGV[2] END;
  new_row jsonb := pg_catalog.to_jsonb(NEW);
  old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN pg_catalog.to_jsonb(OLD) END;
  kept boolean := TG_OP = 'UPDATE' AND (new_row ->> by_col) IS NOT DISTINCT FROM (old_row ->> by_col);
  refused text;
BEGIN
  IF shared_db.is_service() THEN
    RETURN NEW;
  END IF;
  IF NOT kept AND ((TG_OP = 'UPDATE' AND TG_ARGV[1] = 'once') OR me IS NULL OR (new_row ->> by_col)::uuid IS DISTINCT FROM me) THEN
    refused := by_col;
  -- The email names the same user as inserted (or nobody), and is kept as inserted.
  ELSIF email_col IS NOT NULL AND (CASE WHEN TG_OP = 'UPDATE'
      THEN (new_row ->> email_col) IS DISTINCT FROM (old_row ->> email_col)
      ELSE (new_row ->> email_col) IS DISTINCT FROM (SELECT u.email FROM shared_db.users u WHERE u.id = me) AND (new_row ->> email_col) IS NOT NULL
    END) THEN
    refused := email_col;
  END IF;
  IF refused IS NOT NULL THEN
    RAISE EXCEPTION 'column % names the acting user only, for table "%"', refused, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = TG_TABLE_NAME || '_acting_user';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.acting_user_attribution() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER teams_acting_user BEFORE INSERT OR UPDATE OF created_by_user_id, created_by_email ON shared_db.teams
  FOR EACH ROW EXECUTE FUNCTION shared_db.acting_user_attribution('created_by_user_id', 'once', 'created_by_email');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integrations_acting_user BEFORE INSERT OR UPDATE OF created_by_user_id ON shared_db.integrations
  FOR EACH ROW EXECUTE FUNCTION shared_db.acting_user_attribution('created_by_user_id', 'once');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER integration_shares_acting_user BEFORE INSERT OR UPDATE OF shared_by_user_id ON shared_db.integration_shares
  FOR EACH ROW EXECUTE FUNCTION shared_db.acting_user_attribution('shared_by_user_id', 'latest');
--> statement-breakpoint
CREATE OR REPLACE TRIGGER resource_access_acting_user BEFORE INSERT OR UPDATE OF granted_by_user_id ON shared_db.resource_access
  FOR EACH ROW EXECUTE FUNCTION shared_db.acting_user_attribution('granted_by_user_id', 'latest');
