-- Policy helpers that keep their plans. A LANGUAGE sql function that PostgreSQL cannot inline (it
-- has a SET clause, SECURITY DEFINER or a FROM) is parsed and planned again on every statement
-- that calls it: measured at 70-100 µs each for is_service() and current_user_id(), paid by every
-- service statement and every withRls statement. The same bodies in plpgsql keep their plans for
-- the session; current_user_id() becomes an expression that the planner inlines into each policy.
-- Inside them the user id is read once into a variable: compared as a parameter, it can use an
-- index under the tables' forced RLS (an inlined expression there is evaluated on every row).
-- Logic, privileges, owners and search_path hardening are unchanged.

-- Inlined into every policy that calls it (no SET, no FROM, no sub-select); BEGIN ATOMIC binds its
-- names when it is created, so the caller's search_path cannot redirect them.
CREATE OR REPLACE FUNCTION shared_db.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE WHEN coalesce(
      nullif(pg_catalog.current_setting('app.user_id', true), ''),
      nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
    ) ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    AND pg_catalog.has_function_privilege(session_user, 'shared_db.acts_for_users()'::regprocedure, 'EXECUTE')
  THEN coalesce(
      nullif(pg_catalog.current_setting('app.user_id', true), ''),
      nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
    )::uuid
  END;
END;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.is_service() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = '' AS $$
BEGIN
  RETURN pg_catalog.pg_has_role(current_user,
    (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'shared_db'), 'MEMBER');
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.caller_is_service() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = '' AS $$
BEGIN
  RETURN pg_catalog.current_setting('role') = 'none'
    AND pg_catalog.pg_has_role(session_user,
      (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'shared_db'), 'MEMBER');
END $$;
--> statement-breakpoint
-- One query instead of four: withRls runs this check on every call.
CREATE OR REPLACE FUNCTION shared_db.rls_role(p_role text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
  r record;
BEGIN
  SELECT a.rolsuper OR a.rolbypassrls OR pg_catalog.pg_has_role(a.oid, 'shared_db_service', 'MEMBER')
           OR pg_catalog.pg_has_role(a.oid, n.nspowner, 'MEMBER') AS bypasses,
         pg_catalog.pg_has_role(a.oid, 'shared_db_app', 'MEMBER') AS app
    INTO r
    FROM pg_catalog.pg_roles a, pg_catalog.pg_namespace n
   WHERE a.rolname = p_role AND n.nspname = 'shared_db';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role "%" does not exist', p_role USING ERRCODE = 'SDB01';
  END IF;
  IF r.bypasses THEN
    RAISE EXCEPTION 'role "%" bypasses row-level security (superuser, BYPASSRLS, service role or table owner)', p_role
      USING ERRCODE = 'SDB01';
  END IF;
  IF NOT r.app THEN
    RAISE EXCEPTION 'role "%" is not a member of shared_db_app (GRANT shared_db_app TO %)', p_role, p_role
      USING ERRCODE = 'SDB01';
  END IF;
  RETURN p_role;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.my_team_ids(min_role shared_db.team_member_role DEFAULT 'VIEWER') RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  me uuid := shared_db.current_user_id();
BEGIN
  RETURN (SELECT coalesce(pg_catalog.array_agg(m.team_id), '{}') FROM shared_db.team_members m
    WHERE m.user_id = me AND m.invitation_status = 'accepted' AND m.role <= min_role);
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.granted_resources(min_level shared_db.resource_access_level, min_role shared_db.team_member_role)
RETURNS TABLE (resource_id uuid, owner_team_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = '' AS $$
BEGIN
  RETURN QUERY SELECT a.resource_id, a.owner_team_id FROM shared_db.resource_access a
    WHERE a.team_id = ANY (shared_db.my_team_ids(min_role)) AND a.access_level >= min_level;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.shared_integrations_at(min_level shared_db.integration_share_level, min_role shared_db.team_member_role)
RETURNS TABLE (integration_id uuid, owner_team_id uuid, team_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = '' AS $$
BEGIN
  RETURN QUERY SELECT s.integration_id, s.owner_team_id, s.team_id FROM shared_db.integration_shares s
    WHERE s.team_id = ANY (shared_db.my_team_ids(min_role)) AND s.status = 'active' AND s.revoked_at IS NULL
      AND s.share_level <= min_level;
END $$;
--> statement-breakpoint
-- The integrations shared with any team of the user, at any level: READ_ONLY is the last (widest)
-- value of integration_share_level, so this is shared_integrations_at's rule, written once there.
CREATE OR REPLACE FUNCTION shared_db.shared_integrations() RETURNS TABLE (integration_id uuid, owner_team_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = '' AS $$
BEGIN
  RETURN QUERY SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('READ_ONLY', 'VIEWER') s;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.takes_part_in(p_project uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  me uuid := shared_db.current_user_id();
BEGIN
  RETURN EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = p_project AND me IN (p.creator_id, p.buyer_id, p.seller_id));
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.can_claim_team(p_team uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  me uuid := shared_db.current_user_id();
BEGIN
  RETURN EXISTS (SELECT 1 FROM shared_db.teams t WHERE t.id = p_team AND t.created_by_user_id = me)
    AND NOT EXISTS (SELECT 1 FROM shared_db.team_members m WHERE m.team_id = p_team);
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.project_escrow_balance(p_project uuid) RETURNS numeric
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  me uuid := shared_db.current_user_id();
  service boolean := shared_db.caller_is_service();
BEGIN
  RETURN CASE WHEN EXISTS (
    SELECT 1 FROM shared_db.projects p WHERE p.id = p_project AND (me IN (p.creator_id, p.buyer_id, p.seller_id) OR service))
  THEN (
    SELECT coalesce(sum(CASE t.transaction_type WHEN 'escrow_hold' THEN t.amount ELSE -t.amount END), 0)
    FROM shared_db.transactions t
    WHERE t.project_id = p_project AND t.status = 'completed'
      AND t.transaction_type IN ('escrow_hold', 'escrow_release', 'refund', 'fee'))
  END;
END $$;
