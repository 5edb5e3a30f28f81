-- Issue 27: a hostile session or a neighbour database's login gains nothing from the caller's
-- temporary schema. PostgreSQL searches pg_temp for relation and type names before anything else
-- unless the search_path names it: with search_path = '', the `uuid` of `me uuid := ...` in a
-- SECURITY DEFINER body resolved to a caller's `pg_temp.uuid` domain, whose CHECK then ran as the
-- schema owner. pg_temp is never searched for functions or operators.

-- A marker whose EXECUTE privilege is all that matters (current_user_id() asks about it). BEGIN
-- ATOMIC: nothing in it is looked up when it runs, so it needs no search_path and stays inlinable.
CREATE OR REPLACE FUNCTION shared_db.acts_for_users() RETURNS boolean
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT true;
END;
--> statement-breakpoint
-- What withRls runs last on its connection (pipelined ahead of COMMIT, and again after a rollback),
-- so that what a user's transaction leaves on a pooled connection reaches neither the next user nor
-- service work: its role (RESET ALL leaves `role` alone), its session settings (back to the
-- connection's startup, role and database defaults, so a host's startup options stay), its
-- session-level advisory locks and its temporary objects. A plain SET inside a function outlives
-- it, this function's own search_path included. Anyone may run it: it touches only its own session.
CREATE OR REPLACE FUNCTION shared_db.reset_session() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM pg_catalog.set_config('role', 'none', false);
  PERFORM pg_catalog.pg_advisory_unlock_all();
  RESET ALL;
  DISCARD TEMP;
END $$;
--> statement-breakpoint
-- PostgreSQL's documented fix: pg_catalog first, pg_temp written last, on every function of the
-- schema (definer, trigger and policy functions alike). The bodies name every table as shared_db.x
-- and every type they name unqualified is in pg_catalog, so nothing is left to find in pg_temp.
-- BEGIN ATOMIC bodies (current_user_id(), acts_for_users()) are bound when created and stay
-- without a SET so the planner can inline them. test/security/function-search-path.test.ts and
-- `shared-db verify` fail on a function that misses this.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'shared_db'::regnamespace AND p.prosqlbody IS NULL
      AND NOT coalesce(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp']
  LOOP
    EXECUTE pg_catalog.format('ALTER ROUTINE %s SET search_path = pg_catalog, pg_temp', f);
  END LOOP;
END $$;
--> statement-breakpoint
-- Neither the application role nor another database's login needs temporary objects here, and
-- without them there is nothing to plant in pg_temp or leave behind on a pooled connection.
-- Only the database's owner (or a member) can revoke it; otherwise `shared-db verify` reports it.
DO $$
BEGIN
  IF pg_catalog.pg_has_role((SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()), 'USAGE') THEN
    EXECUTE pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', pg_catalog.current_database());
  END IF;
END $$;
