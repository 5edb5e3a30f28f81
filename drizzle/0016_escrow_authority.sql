-- Escrow authority: who may move money, and the rules every writer obeys.
-- * Users (shared_db_app) record only PENDING payment intents (deposit, withdrawal, escrow_hold),
--   for themselves, on projects they take part in; only service work (the gateway's confirmation)
--   completes or fails them.
-- * Releases and refunds go through shared_db.release_escrow: to the seller / back to the buyer,
--   authorised by the other side (buyer or creator release, seller or creator refund), never the
--   payee to itself.
-- * Every write that lowers a project's balance (release, refund, fee; any writer, service
--   included) takes the per-project advisory lock and refuses an overdraw, in a trigger.
-- * Completed transactions are final: their parties and amounts never change and they are never
--   deleted or truncated; corrections are new transactions.
-- * Project and milestone statuses move along the transition tables; terms are accepted by the
--   counterparty (shared_db.accept_project_terms), milestones approved by the paying side
--   (shared_db.transition_milestone), never by the seller.
-- Error codes: SDBE1 overdraw, SDBE2 illegal transition or change, SDBE3 milestone not payable,
-- SDBE4 milestone of another project, 42501 not allowed, P0002 not found (or not visible).

-- Is the current user the creator, buyer or seller of the project? (Policies, one call per row.)
CREATE OR REPLACE FUNCTION shared_db.takes_part_in(p_project uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = p_project
    AND shared_db.current_user_id() IN (p.creator_id, p.buyer_id, p.seller_id))
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.takes_part_in(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.takes_part_in(uuid) TO shared_db_app, shared_db_service;
--> statement-breakpoint
-- The seed's policy name, narrowed: a user inserts only a pending intent of their own, with no
-- gateway fields, on a project they take part in. Completion is the gateway's (service) word.
DROP POLICY IF EXISTS transactions_insert_own ON shared_db.transactions;
--> statement-breakpoint
CREATE POLICY transactions_insert_own ON shared_db.transactions FOR INSERT TO shared_db_app
  WITH CHECK (
    user_id = (SELECT shared_db.current_user_id())
    AND status = 'pending'
    AND transaction_type IN ('deposit', 'withdrawal', 'escrow_hold')
    AND (project_id IS NULL OR shared_db.takes_part_in(project_id))
    AND (transaction_type <> 'escrow_hold' OR project_id IS NOT NULL)
    AND gateway_transaction_id IS NULL AND gateway_response IS NULL
    AND processed_at IS NULL AND completed_at IS NULL);
--> statement-breakpoint
-- Creators delete only projects whose terms nobody has accepted yet.
DROP POLICY IF EXISTS projects_delete_creator ON shared_db.projects;
--> statement-breakpoint
CREATE POLICY projects_delete_creator ON shared_db.projects FOR DELETE TO shared_db_app
  USING (creator_id = (SELECT shared_db.current_user_id()) AND status IN ('draft', 'pending'));
--> statement-breakpoint
-- Milestones: the creator writes them while the terms are open (draft or pending).
DROP POLICY IF EXISTS milestones_insert_creator ON shared_db.milestones;
--> statement-breakpoint
CREATE POLICY milestones_insert_creator ON shared_db.milestones FOR INSERT TO shared_db_app
  WITH CHECK (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending')));
--> statement-breakpoint
DROP POLICY IF EXISTS milestones_update_creator ON shared_db.milestones;
--> statement-breakpoint
CREATE POLICY milestones_update_creator ON shared_db.milestones FOR UPDATE TO shared_db_app
  USING (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending')))
  WITH CHECK (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending')));
--> statement-breakpoint
DROP POLICY IF EXISTS milestones_delete_creator ON shared_db.milestones;
--> statement-breakpoint
CREATE POLICY milestones_delete_creator ON shared_db.milestones FOR DELETE TO shared_db_app
  USING (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending')));
--> statement-breakpoint
-- User work on projects (raw SQL included): a project starts as a draft; statuses follow the
-- transition table, except `active` (the counterparty's acceptance, accept_project_terms) and
-- `refunded` (service work); parties and amounts are fixed once the terms are accepted.
-- SECURITY INVOKER on purpose: is_service() must see the writer's role. Definer functions (whose
-- current_user is the owner) are service here, and check their callers themselves.
CREATE OR REPLACE FUNCTION shared_db.projects_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  legal CONSTANT jsonb := '{"draft":["pending","cancelled"],"pending":["active","cancelled"],
    "active":["in_progress","disputed","cancelled"],"in_progress":["completed","disputed"],
    "disputed":["in_progress","cancelled","refunded"],"cancelled":["refunded"],"completed":[],"refunded":[]}';
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status = 'completed' AND OLD.status <> 'completed' THEN
    NEW.completed_at := coalesce(NEW.completed_at, now());
  END IF;
  IF (SELECT shared_db.is_service()) THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'draft' OR NEW.terms_accepted_at IS NOT NULL OR NEW.completed_at IS NOT NULL THEN
      RAISE EXCEPTION 'a project starts as a draft, with no accepted terms' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.creator_id <> OLD.creator_id THEN
    RAISE EXCEPTION 'a project''s id and creator never change' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.terms_accepted_at IS DISTINCT FROM OLD.terms_accepted_at THEN
    RAISE EXCEPTION 'terms are accepted by the counterparty (shared_db.accept_project_terms)' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status NOT IN ('draft', 'pending') AND (NEW.buyer_id IS DISTINCT FROM OLD.buyer_id
     OR NEW.seller_id IS DISTINCT FROM OLD.seller_id OR NEW.total_amount <> OLD.total_amount OR NEW.currency <> OLD.currency) THEN
    RAISE EXCEPTION 'the parties and amounts of a project are fixed once its terms are accepted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.status <> OLD.status THEN
    IF NOT (legal -> OLD.status::text) ? NEW.status::text THEN
      RAISE EXCEPTION 'A project cannot go from % to %', OLD.status, NEW.status USING ERRCODE = 'SDBE2';
    END IF;
    IF NEW.status IN ('active', 'refunded') THEN
      RAISE EXCEPTION 'A project becomes % only through %', NEW.status,
        CASE NEW.status WHEN 'active' THEN 'the counterparty accepting its terms' ELSE 'service work' END
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF NEW.completed_at IS DISTINCT FROM OLD.completed_at THEN
    RAISE EXCEPTION 'completed_at is set when the project completes' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER projects_guard BEFORE INSERT OR UPDATE ON shared_db.projects
  FOR EACH ROW EXECUTE FUNCTION shared_db.projects_guard();
--> statement-breakpoint
-- User work on milestones: new ones are pending and unpaid; status, payment and approval move
-- only through transition_milestone / release_escrow; a milestone never changes project.
CREATE OR REPLACE FUNCTION shared_db.milestones_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF (SELECT shared_db.is_service()) THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'pending' OR NEW.is_paid OR NEW.paid_at IS NOT NULL OR NEW.completed_at IS NOT NULL OR NEW.approved_at IS NOT NULL THEN
      RAISE EXCEPTION 'a milestone starts pending and unpaid' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.project_id <> OLD.project_id THEN
    RAISE EXCEPTION 'a milestone''s id and project never change' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.status <> OLD.status OR NEW.is_paid <> OLD.is_paid OR NEW.paid_at IS DISTINCT FROM OLD.paid_at
     OR NEW.completed_at IS DISTINCT FROM OLD.completed_at OR NEW.approved_at IS DISTINCT FROM OLD.approved_at THEN
    RAISE EXCEPTION 'a milestone''s status moves through shared_db.transition_milestone, its payment through shared_db.release_escrow'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER milestones_guard BEFORE INSERT OR UPDATE ON shared_db.milestones
  FOR EACH ROW EXECUTE FUNCTION shared_db.milestones_guard();
--> statement-breakpoint
-- Every writer: transactions move pending|processing -> processing|completed|failed|cancelled,
-- completed ones are final, a milestone belongs to the transaction's project, and a completed
-- release, refund or fee takes the project's lock and never exceeds what is held. Definer rights
-- to read every transaction of the project; VOLATILE, so the balance query after the lock sees
-- what the previous holder of the lock committed (READ COMMITTED takes a snapshot per query).
CREATE OR REPLACE FUNCTION shared_db.transactions_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  held numeric;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status = 'completed' THEN
      RAISE EXCEPTION 'completed transactions are final: record a correcting transaction' USING ERRCODE = 'SDBE2';
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF NEW.id <> OLD.id OR NEW.user_id <> OLD.user_id OR NEW.project_id IS DISTINCT FROM OLD.project_id
       OR NEW.transaction_type <> OLD.transaction_type OR NEW.amount <> OLD.amount OR NEW.fee <> OLD.fee
       OR NEW.currency <> OLD.currency OR (NEW.milestone_id IS DISTINCT FROM OLD.milestone_id AND NEW.milestone_id IS NOT NULL)
       OR (OLD.gateway_transaction_id IS NOT NULL AND NEW.gateway_transaction_id IS DISTINCT FROM OLD.gateway_transaction_id) THEN
      RAISE EXCEPTION 'a transaction''s parties, type, amounts and gateway id never change: record a new transaction' USING ERRCODE = 'SDBE2';
    END IF;
    IF NEW.status <> OLD.status AND NOT (OLD.status IN ('pending', 'processing')
       AND NEW.status IN ('processing', 'completed', 'failed', 'cancelled')) THEN
      RAISE EXCEPTION 'A transaction cannot go from % to %', OLD.status, NEW.status USING ERRCODE = 'SDBE2';
    END IF;
  END IF;
  IF NEW.milestone_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.milestone_id IS DISTINCT FROM OLD.milestone_id)
     AND NOT EXISTS (SELECT 1 FROM shared_db.milestones m WHERE m.id = NEW.milestone_id AND m.project_id = NEW.project_id) THEN
    RAISE EXCEPTION 'milestone % is not a milestone of project %', NEW.milestone_id, NEW.project_id USING ERRCODE = 'SDBE4';
  END IF;
  IF NEW.status IN ('completed', 'failed') AND (TG_OP = 'INSERT' OR OLD.status <> NEW.status) THEN
    NEW.processed_at := coalesce(NEW.processed_at, now());
    IF NEW.status = 'completed' THEN
      NEW.completed_at := coalesce(NEW.completed_at, now());
    END IF;
  END IF;
  IF NEW.status = 'completed' AND NEW.project_id IS NOT NULL AND NEW.transaction_type IN ('escrow_release', 'refund', 'fee')
     AND (TG_OP = 'INSERT' OR OLD.status <> 'completed') THEN
    -- REPEATABLE READ would read the balance from a snapshot older than the lock.
    IF pg_catalog.current_setting('transaction_isolation') = 'repeatable read' THEN
      RAISE EXCEPTION 'escrow balances are lowered under READ COMMITTED or SERIALIZABLE, not REPEATABLE READ'
        USING ERRCODE = 'serialization_failure';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('shared_db.escrow:' || NEW.project_id::text, 0));
    SELECT coalesce(sum(CASE t.transaction_type WHEN 'escrow_hold' THEN t.amount ELSE -t.amount END), 0) INTO held
    FROM shared_db.transactions t
    WHERE t.project_id = NEW.project_id AND t.status = 'completed' AND t.id <> NEW.id
      AND t.transaction_type IN ('escrow_hold', 'escrow_release', 'refund', 'fee');
    IF held < NEW.amount THEN
      RAISE EXCEPTION 'Cannot % %: only % is held', replace(NEW.transaction_type::text, 'escrow_', ''), NEW.amount, held
        USING ERRCODE = 'SDBE1';
    END IF;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER transactions_guard BEFORE INSERT OR UPDATE OR DELETE ON shared_db.transactions
  FOR EACH ROW EXECUTE FUNCTION shared_db.transactions_guard();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER transactions_refuse_truncate BEFORE TRUNCATE ON shared_db.transactions
  FOR EACH STATEMENT EXECUTE FUNCTION shared_db.refuse_truncate();
--> statement-breakpoint
-- Releases (to the seller) and refunds (to the buyer). Service work may do either; a user only
-- with that authority: the buyer or the creator releases, the seller or the creator refunds,
-- never the payee. Paying a milestone needs it approved, unpaid and for its exact amount.
CREATE OR REPLACE FUNCTION shared_db.release_escrow(
  p_project uuid, p_payee uuid, p_kind shared_db.transaction_type, p_amount numeric,
  p_milestone uuid DEFAULT NULL, p_gateway_transaction_id text DEFAULT NULL, p_description text DEFAULT NULL
) RETURNS shared_db.transactions
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  me uuid := shared_db.current_user_id();
  service boolean := shared_db.caller_is_service();
  p shared_db.projects;
  tx shared_db.transactions;
BEGIN
  IF NOT service AND me IS NULL THEN
    RAISE EXCEPTION 'no user context: run this inside withRls, or as service work' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO p FROM shared_db.projects WHERE id = p_project;
  IF NOT FOUND OR NOT (service OR coalesce(me IN (p.creator_id, p.buyer_id, p.seller_id), false)) THEN
    RAISE EXCEPTION 'project not found: %', p_project USING ERRCODE = 'no_data_found';
  END IF;
  IF p_kind NOT IN ('escrow_release', 'refund') THEN
    RAISE EXCEPTION 'release_escrow records escrow_release or refund, not %', p_kind USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_kind = 'escrow_release' AND p_payee IS DISTINCT FROM p.seller_id THEN
    RAISE EXCEPTION 'escrow is released only to the project''s seller' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_kind = 'refund' AND p_payee IS DISTINCT FROM p.buyer_id THEN
    RAISE EXCEPTION 'escrow is refunded only to the project''s buyer' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT service THEN
    IF me = p_payee THEN
      RAISE EXCEPTION 'the payee cannot release or refund escrow to itself' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (p_kind = 'escrow_release' AND me IS DISTINCT FROM p.buyer_id AND me IS DISTINCT FROM p.creator_id)
       OR (p_kind = 'refund' AND me IS DISTINCT FROM p.seller_id AND me IS DISTINCT FROM p.creator_id) THEN
      RAISE EXCEPTION 'only the % or the creator may %', CASE p_kind WHEN 'refund' THEN 'seller' ELSE 'buyer' END,
        CASE p_kind WHEN 'refund' THEN 'refund' ELSE 'release' END USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_gateway_transaction_id IS NOT NULL THEN
      RAISE EXCEPTION 'gateway transaction ids come from the gateway (service work)' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF p_milestone IS NOT NULL THEN
    IF p_kind <> 'escrow_release' THEN
      RAISE EXCEPTION 'only a release pays a milestone' USING ERRCODE = 'SDBE3';
    END IF;
    -- The same lock the guard takes, first, so two payments of one milestone queue here.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('shared_db.escrow:' || p_project::text, 0));
    UPDATE shared_db.milestones m SET is_paid = true, paid_at = now()
    WHERE m.id = p_milestone AND m.project_id = p_project AND m.status = 'approved' AND NOT m.is_paid AND m.amount = p_amount;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'Only an approved, unpaid milestone of this project can be paid, for its exact amount' USING ERRCODE = 'SDBE3';
    END IF;
  END IF;
  INSERT INTO shared_db.transactions (project_id, milestone_id, user_id, transaction_type, status, amount, currency,
    gateway_transaction_id, description)
  VALUES (p_project, p_milestone, p_payee, p_kind, 'completed', p_amount, p.currency, p_gateway_transaction_id, p_description)
  RETURNING * INTO tx;
  RETURN tx;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.release_escrow(uuid, uuid, shared_db.transaction_type, numeric, uuid, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.release_escrow(uuid, uuid, shared_db.transaction_type, numeric, uuid, text, text) TO shared_db_app, shared_db_service;
--> statement-breakpoint
-- The counterparty accepts the terms: the buyer or the seller, not the creator who wrote them
-- (service work may too). Activates a pending project.
CREATE OR REPLACE FUNCTION shared_db.accept_project_terms(p_project uuid) RETURNS shared_db.projects
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  me uuid := shared_db.current_user_id();
  service boolean := shared_db.caller_is_service();
  p shared_db.projects;
BEGIN
  IF NOT service AND me IS NULL THEN
    RAISE EXCEPTION 'no user context: run this inside withRls, or as service work' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO p FROM shared_db.projects WHERE id = p_project FOR UPDATE;
  IF NOT FOUND OR NOT (service OR coalesce(me IN (p.creator_id, p.buyer_id, p.seller_id), false)) THEN
    RAISE EXCEPTION 'project not found: %', p_project USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT service AND (me = p.creator_id OR me IS DISTINCT FROM p.buyer_id AND me IS DISTINCT FROM p.seller_id) THEN
    RAISE EXCEPTION 'terms are accepted by the buyer or the seller, not by the creator who proposed them' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p.status <> 'pending' THEN
    RAISE EXCEPTION 'Terms can be accepted only for a pending project (it is %)', p.status USING ERRCODE = 'SDBE2';
  END IF;
  UPDATE shared_db.projects SET status = 'active', terms_accepted_at = now() WHERE id = p_project RETURNING * INTO p;
  RETURN p;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.accept_project_terms(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.accept_project_terms(uuid) TO shared_db_app, shared_db_service;
--> statement-breakpoint
-- Milestone statuses, with who may move them: the work side (seller or creator) starts and
-- completes; the paying side (buyer or creator, never the seller) approves or rejects; any
-- participant disputes. Service work may make any legal move.
CREATE OR REPLACE FUNCTION shared_db.transition_milestone(p_milestone uuid, p_to shared_db.milestone_status, p_notes text DEFAULT NULL)
RETURNS shared_db.milestones
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  legal CONSTANT jsonb := '{"pending":["in_progress"],"in_progress":["completed"],"completed":["approved","rejected","disputed"],
    "rejected":["in_progress"],"disputed":["approved","rejected"],"approved":[]}';
  me uuid := shared_db.current_user_id();
  service boolean := shared_db.caller_is_service();
  m shared_db.milestones;
  p shared_db.projects;
BEGIN
  IF NOT service AND me IS NULL THEN
    RAISE EXCEPTION 'no user context: run this inside withRls, or as service work' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO m FROM shared_db.milestones WHERE id = p_milestone FOR UPDATE;
  IF FOUND THEN
    SELECT * INTO p FROM shared_db.projects WHERE id = m.project_id;
  END IF;
  IF m.id IS NULL OR NOT (service OR coalesce(me IN (p.creator_id, p.buyer_id, p.seller_id), false)) THEN
    RAISE EXCEPTION 'milestone not found: %', p_milestone USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT (legal -> m.status::text) ? p_to::text THEN
    RAISE EXCEPTION 'A milestone cannot go from % to %', m.status, p_to USING ERRCODE = 'SDBE2';
  END IF;
  IF NOT service THEN
    IF p_to IN ('approved', 'rejected') AND (me = p.seller_id OR (me IS DISTINCT FROM p.buyer_id AND me IS DISTINCT FROM p.creator_id)) THEN
      RAISE EXCEPTION 'a milestone is approved or rejected by the buyer or the creator, never by the seller' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_to IN ('in_progress', 'completed') AND me IS DISTINCT FROM p.seller_id AND me IS DISTINCT FROM p.creator_id THEN
      RAISE EXCEPTION 'a milestone is started and completed by the seller or the creator' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  UPDATE shared_db.milestones SET status = p_to,
    completed_at = CASE WHEN p_to = 'completed' THEN now() ELSE completed_at END,
    completion_notes = CASE WHEN p_to = 'completed' THEN coalesce(p_notes, completion_notes) ELSE completion_notes END,
    approved_at = CASE WHEN p_to = 'approved' THEN now() ELSE approved_at END
  WHERE id = p_milestone RETURNING * INTO m;
  RETURN m;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION shared_db.transition_milestone(uuid, shared_db.milestone_status, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.transition_milestone(uuid, shared_db.milestone_status, text) TO shared_db_app, shared_db_service;
