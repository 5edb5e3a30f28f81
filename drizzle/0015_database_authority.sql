-- Authority is per database. Roles are cluster-wide: every login role that ran `migrate` on any
-- database of this server is a member of shared_db_service and shared_db_app. Membership alone
-- must grant nothing here, so every policy also asks whether the session belongs to THIS
-- database: its login must be a member of the owner of this database's shared_db schema (or be
-- granted EXECUTE on shared_db.acts_for_users(), a per-database privilege, e.g. PostgREST's
-- authenticator on Supabase).

-- Service work, in policies: the current role is a member of this schema's owner (the login that
-- migrated, a role granted it, or the owner's own SECURITY DEFINER functions, which check their
-- caller themselves with caller_is_service()). Another database's owner is not.
CREATE OR REPLACE FUNCTION shared_db.is_service() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = '' AS $$
  SELECT pg_catalog.pg_has_role(current_user, n.nspowner, 'MEMBER')
  FROM pg_catalog.pg_namespace n WHERE n.nspname = 'shared_db'
$$;
--> statement-breakpoint
-- Service work, inside a SECURITY DEFINER function (where current_user is the owner): the login
-- is a member of this schema's owner and has not switched role (withRls has).
CREATE OR REPLACE FUNCTION shared_db.caller_is_service() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = '' AS $$
  SELECT pg_catalog.current_setting('role') = 'none'
     AND pg_catalog.pg_has_role(session_user, n.nspowner, 'MEMBER')
  FROM pg_catalog.pg_namespace n WHERE n.nspname = 'shared_db'
$$;
--> statement-breakpoint
-- Never called: its EXECUTE privilege lists the logins, besides members of the schema owner, that
-- may act as users in this database (GRANT EXECUTE ON FUNCTION shared_db.acts_for_users() TO ...).
CREATE OR REPLACE FUNCTION shared_db.acts_for_users() RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT true $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.acts_for_users() FROM PUBLIC;
--> statement-breakpoint
-- The current user id, as before, but only for a session this database trusts: another
-- database's owner that SET ROLE shared_db_app here and sets app.user_id gets NULL, so no row.
CREATE OR REPLACE FUNCTION shared_db.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    AND pg_catalog.has_function_privilege(session_user, 'shared_db.acts_for_users()', 'EXECUTE')
    THEN v::uuid END
  FROM (SELECT coalesce(
    nullif(current_setting('app.user_id', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
  ) AS v) AS ctx
$$;
--> statement-breakpoint
-- The role withRls switches to, checked in the same statement that sets it: it must exist, be a
-- member of shared_db_app, and bypass no policy (not a superuser, not BYPASSRLS, not service,
-- not the owner of the tables or a member of it).
CREATE OR REPLACE FUNCTION shared_db.rls_role(p_role text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
  r pg_catalog.pg_roles;
  owner oid := (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'shared_db');
BEGIN
  SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = p_role;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role "%" does not exist', p_role USING ERRCODE = 'SDB01';
  END IF;
  IF r.rolsuper OR r.rolbypassrls OR pg_catalog.pg_has_role(r.oid, 'shared_db_service', 'MEMBER')
     OR pg_catalog.pg_has_role(r.oid, owner, 'MEMBER') THEN
    RAISE EXCEPTION 'role "%" bypasses row-level security (superuser, BYPASSRLS, service role or table owner)', p_role
      USING ERRCODE = 'SDB01';
  END IF;
  IF NOT pg_catalog.pg_has_role(r.oid, 'shared_db_app', 'MEMBER') THEN
    RAISE EXCEPTION 'role "%" is not a member of shared_db_app (GRANT shared_db_app TO %)', p_role, p_role
      USING ERRCODE = 'SDB01';
  END IF;
  RETURN p_role;
END $$;
--> statement-breakpoint
-- The escrow balance's service check, per database like every other.
CREATE OR REPLACE FUNCTION shared_db.project_escrow_balance(p_project uuid) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT CASE WHEN EXISTS (
    SELECT 1 FROM shared_db.projects p WHERE p.id = p_project AND (
      shared_db.current_user_id() IN (p.creator_id, p.buyer_id, p.seller_id) OR shared_db.caller_is_service()))
  THEN (
    SELECT coalesce(sum(CASE t.transaction_type WHEN 'escrow_hold' THEN t.amount ELSE -t.amount END), 0)
    FROM shared_db.transactions t
    WHERE t.project_id = p_project AND t.status = 'completed'
      AND t.transaction_type IN ('escrow_hold', 'escrow_release', 'refund', 'fee'))
  END
$$;
--> statement-breakpoint
-- audit_logs stays append-only against its owner too: TRUNCATE skips row triggers.
CREATE OR REPLACE FUNCTION shared_db.refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'shared_db.% cannot be truncated', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER audit_logs_refuse_truncate BEFORE TRUNCATE ON shared_db.audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION shared_db.refuse_truncate();
--> statement-breakpoint
-- Every service policy (it was USING (true)) now asks is_service() once per statement.
ALTER POLICY audit_logs_service_insert ON shared_db.audit_logs WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY audit_logs_service_select ON shared_db.audit_logs USING ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY custom_integration_actions_service_all ON shared_db.custom_integration_actions USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY custom_integration_credentials_service_all ON shared_db.custom_integration_credentials USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY custom_integrations_service_all ON shared_db.custom_integrations USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY integration_credentials_service_all ON shared_db.integration_credentials USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY integration_events_service_all ON shared_db.integration_events USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY integration_shares_service_all ON shared_db.integration_shares USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY integrations_service_all ON shared_db.integrations USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY milestones_service_all ON shared_db.milestones USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY projects_service_all ON shared_db.projects USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY resource_access_service_all ON shared_db.resource_access USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY service_resources_service_all ON shared_db.service_resources USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_analyses_service_all ON shared_db.slack_analyses USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_analysis_channels_service_all ON shared_db.slack_analysis_channels USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_bots_service_all ON shared_db.slack_bots USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_channel_analyses_service_all ON shared_db.slack_channel_analyses USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_channels_service_all ON shared_db.slack_channels USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_contributions_service_all ON shared_db.slack_contributions USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_installations_service_all ON shared_db.slack_installations USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_messages_service_all ON shared_db.slack_messages USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_oauth_states_service_all ON shared_db.slack_oauth_states USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_reactions_service_all ON shared_db.slack_reactions USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_user_tokens_service_all ON shared_db.slack_user_tokens USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_users_service_all ON shared_db.slack_users USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY slack_workspaces_service_all ON shared_db.slack_workspaces USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY team_members_service_all ON shared_db.team_members USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY teams_service_all ON shared_db.teams USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY transactions_service_all ON shared_db.transactions USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
ALTER POLICY users_service_all ON shared_db.users USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
