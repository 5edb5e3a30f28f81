-- Escrow: the seed's policies for the application role, the service policies, money invariants
-- and the escrow balance function.
ALTER TABLE shared_db.projects ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.projects FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.milestones ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.milestones FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.transactions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.transactions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.projects, shared_db.milestones TO shared_db_app;
--> statement-breakpoint
-- Corrections are new transactions: the application role never updates or deletes one.
GRANT SELECT, INSERT ON shared_db.transactions TO shared_db_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.projects, shared_db.milestones, shared_db.transactions TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS projects_service_all ON shared_db.projects;
--> statement-breakpoint
CREATE POLICY projects_service_all ON shared_db.projects FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS milestones_service_all ON shared_db.milestones;
--> statement-breakpoint
CREATE POLICY milestones_service_all ON shared_db.milestones FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS transactions_service_all ON shared_db.transactions;
--> statement-breakpoint
CREATE POLICY transactions_service_all ON shared_db.transactions FOR ALL TO shared_db_service USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS projects_select_involved ON shared_db.projects;
--> statement-breakpoint
CREATE POLICY projects_select_involved ON shared_db.projects FOR SELECT TO shared_db_app
  USING (creator_id = (SELECT shared_db.current_user_id()) OR buyer_id = (SELECT shared_db.current_user_id())
    OR seller_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS projects_insert_creator ON shared_db.projects;
--> statement-breakpoint
CREATE POLICY projects_insert_creator ON shared_db.projects FOR INSERT TO shared_db_app
  WITH CHECK (creator_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS projects_update_creator ON shared_db.projects;
--> statement-breakpoint
CREATE POLICY projects_update_creator ON shared_db.projects FOR UPDATE TO shared_db_app
  USING (creator_id = (SELECT shared_db.current_user_id())) WITH CHECK (creator_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS projects_delete_creator ON shared_db.projects;
--> statement-breakpoint
CREATE POLICY projects_delete_creator ON shared_db.projects FOR DELETE TO shared_db_app
  USING (creator_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS milestones_select_involved ON shared_db.milestones;
--> statement-breakpoint
CREATE POLICY milestones_select_involved ON shared_db.milestones FOR SELECT TO shared_db_app
  USING (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id AND (p.creator_id = (SELECT shared_db.current_user_id())
    OR p.buyer_id = (SELECT shared_db.current_user_id()) OR p.seller_id = (SELECT shared_db.current_user_id()))));
--> statement-breakpoint
DROP POLICY IF EXISTS milestones_insert_creator ON shared_db.milestones;
--> statement-breakpoint
CREATE POLICY milestones_insert_creator ON shared_db.milestones FOR INSERT TO shared_db_app
  WITH CHECK (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id AND p.creator_id = (SELECT shared_db.current_user_id())));
--> statement-breakpoint
DROP POLICY IF EXISTS milestones_update_creator ON shared_db.milestones;
--> statement-breakpoint
CREATE POLICY milestones_update_creator ON shared_db.milestones FOR UPDATE TO shared_db_app
  USING (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id AND p.creator_id = (SELECT shared_db.current_user_id())))
  WITH CHECK (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id AND p.creator_id = (SELECT shared_db.current_user_id())));
--> statement-breakpoint
DROP POLICY IF EXISTS milestones_delete_creator ON shared_db.milestones;
--> statement-breakpoint
CREATE POLICY milestones_delete_creator ON shared_db.milestones FOR DELETE TO shared_db_app
  USING (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id AND p.creator_id = (SELECT shared_db.current_user_id())));
--> statement-breakpoint
DROP POLICY IF EXISTS transactions_select_own ON shared_db.transactions;
--> statement-breakpoint
CREATE POLICY transactions_select_own ON shared_db.transactions FOR SELECT TO shared_db_app
  USING (user_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS transactions_insert_own ON shared_db.transactions;
--> statement-breakpoint
CREATE POLICY transactions_insert_own ON shared_db.transactions FOR INSERT TO shared_db_app
  WITH CHECK (user_id = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
CREATE OR REPLACE TRIGGER projects_set_updated_at BEFORE UPDATE ON shared_db.projects
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER milestones_set_updated_at BEFORE UPDATE ON shared_db.milestones
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER transactions_set_updated_at BEFORE UPDATE ON shared_db.transactions
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
--> statement-breakpoint
-- Milestone amounts never exceed their project's total, whoever writes them.
CREATE OR REPLACE FUNCTION shared_db.milestones_within_total() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  pid uuid := coalesce(to_jsonb(NEW) ->> 'project_id', to_jsonb(NEW) ->> 'id')::uuid;
BEGIN
  IF (SELECT coalesce(sum(m.amount), 0) FROM shared_db.milestones m WHERE m.project_id = pid)
     > (SELECT p.total_amount FROM shared_db.projects p WHERE p.id = pid) THEN
    RAISE EXCEPTION 'milestone amounts exceed the project total' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER milestones_within_total AFTER INSERT OR UPDATE OF amount, project_id ON shared_db.milestones
  FOR EACH ROW EXECUTE FUNCTION shared_db.milestones_within_total();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER projects_total_covers_milestones AFTER UPDATE OF total_amount ON shared_db.projects
  FOR EACH ROW EXECUTE FUNCTION shared_db.milestones_within_total();
--> statement-breakpoint
-- The escrow balance (held - released - refunded - fees, completed transactions only) for the
-- project's participants and for service work; NULL for anyone else. Definer rights, because a
-- participant may read only their own transactions but the balance covers everyone's.
CREATE OR REPLACE FUNCTION shared_db.project_escrow_balance(p_project uuid) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT CASE WHEN EXISTS (
    SELECT 1 FROM shared_db.projects p WHERE p.id = p_project AND (
      shared_db.current_user_id() IN (p.creator_id, p.buyer_id, p.seller_id)
      OR (current_setting('role') = 'none' AND pg_has_role(session_user, 'shared_db_service', 'MEMBER'))))
  THEN (
    SELECT coalesce(sum(CASE t.transaction_type WHEN 'escrow_hold' THEN t.amount ELSE -t.amount END), 0)
    FROM shared_db.transactions t
    WHERE t.project_id = p_project AND t.status = 'completed'
      AND t.transaction_type IN ('escrow_hold', 'escrow_release', 'refund', 'fee'))
  END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.project_escrow_balance(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.project_escrow_balance(uuid) TO shared_db_app, shared_db_service;
