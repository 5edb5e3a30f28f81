-- Roles, context helpers and row-level security for users and audit_logs.
-- Roles are cluster-wide, so every statement here is idempotent and tolerates a
-- concurrent migration of another database on the same server.

-- shared_db_app: the NOLOGIN role withRls switches to; owns nothing, no BYPASSRLS.
-- shared_db_service: service work (Bolt stores, sync jobs, the CLI); its policies see every row.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shared_db_app') THEN
    CREATE ROLE shared_db_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shared_db_service') THEN
    CREATE ROLE shared_db_service NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
-- The login role that migrates (and owns the tables) does service work on its
-- plain connection and switches to shared_db_app inside withRls. A superuser
-- is a member of every role already.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'shared_db_service', 'MEMBER') THEN
    EXECUTE format('GRANT shared_db_service TO %I', current_user);
  END IF;
  IF NOT pg_has_role(current_user, 'shared_db_app', 'MEMBER') THEN
    EXECUTE format('GRANT shared_db_app TO %I', current_user);
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA shared_db TO shared_db_app, shared_db_service;
--> statement-breakpoint
-- The current user id: app.user_id, else the sub of Supabase-style request.jwt.claims,
-- else NULL. A pooled connection reports '' for a setting a previous transaction set
-- locally, and '' or a malformed id must never match a row, so both become NULL.
CREATE OR REPLACE FUNCTION shared_db.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN v::uuid END
  FROM (SELECT coalesce(
    nullif(current_setting('app.user_id', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
  ) AS v) AS ctx
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION shared_db.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER users_set_updated_at BEFORE UPDATE ON shared_db.users
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
-- audit_logs is append-only. The one update allowed is the foreign key's
-- ON DELETE SET NULL when the actor's user row is deleted.
CREATE OR REPLACE FUNCTION shared_db.audit_logs_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
     AND to_jsonb(NEW) - 'actor_id' = to_jsonb(OLD) - 'actor_id' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'shared_db.audit_logs is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON shared_db.audit_logs
  FOR EACH ROW EXECUTE FUNCTION shared_db.audit_logs_append_only();
--> statement-breakpoint
ALTER TABLE shared_db.users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.audit_logs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.audit_logs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- password_hash is never readable as the application role; profile columns are the only writable ones.
GRANT SELECT (id, email, google_id, full_name, phone, avatar_url, bio, is_active, is_verified,
  is_superuser, created_at, updated_at, last_login) ON shared_db.users TO shared_db_app;
--> statement-breakpoint
GRANT UPDATE (full_name, phone, avatar_url, bio) ON shared_db.users TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON shared_db.audit_logs TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.users TO shared_db_service;
--> statement-breakpoint
GRANT SELECT, INSERT ON shared_db.audit_logs TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS users_service_all ON shared_db.users;
--> statement-breakpoint
CREATE POLICY users_service_all ON shared_db.users FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS users_select_own ON shared_db.users;
--> statement-breakpoint
CREATE POLICY users_select_own ON shared_db.users FOR SELECT TO shared_db_app
  USING (id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS users_update_own ON shared_db.users;
--> statement-breakpoint
CREATE POLICY users_update_own ON shared_db.users FOR UPDATE TO shared_db_app
  USING (id = (SELECT shared_db.current_user_id()))
  WITH CHECK (id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS audit_logs_service_select ON shared_db.audit_logs;
--> statement-breakpoint
CREATE POLICY audit_logs_service_select ON shared_db.audit_logs FOR SELECT TO shared_db_service USING (true);
--> statement-breakpoint
DROP POLICY IF EXISTS audit_logs_service_insert ON shared_db.audit_logs;
--> statement-breakpoint
CREATE POLICY audit_logs_service_insert ON shared_db.audit_logs FOR INSERT TO shared_db_service WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS audit_logs_select_own ON shared_db.audit_logs;
--> statement-breakpoint
CREATE POLICY audit_logs_select_own ON shared_db.audit_logs FOR SELECT TO shared_db_app
  USING (actor_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS audit_logs_insert_own ON shared_db.audit_logs;
--> statement-breakpoint
CREATE POLICY audit_logs_insert_own ON shared_db.audit_logs FOR INSERT TO shared_db_app
  WITH CHECK (actor_id = (SELECT shared_db.current_user_id()));
