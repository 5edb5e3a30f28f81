-- Escrow authority, third pass (issue 34 items 2, 3, 4, 8; issue 27 item 2, escrow part):
-- * Currencies: a project's milestones and transactions are in its currency (the (project_id,
--   currency) keys of 0028_escrow_checks); the transactions guard names a mismatch (SDBE5).
-- * Parties and amounts are frozen once money is held: while any transaction of the project is
--   pending, processing or completed, user work changes no buyer, seller, total, currency or
--   milestone amount, and deletes neither the project nor a milestone.
-- * The definer code checks the caller before any lock, lookup or balance: user work is answered
--   the same for "not yours" and "does not exist".
-- * The per-project lock is the project's row (FOR NO KEY UPDATE, taken by the owner's code),
--   not an advisory key anyone can take and keep; every wait for it is bounded (lock_timeout 5s,
--   SQLSTATE 55P03, LockTimeoutError).
-- Error codes as in 0016, plus SDBE5 (currency of another project).

-- 0028 adds keys and checks that existing rows must meet: name what would refuse them, rather than
-- fail on the first offending row.
DO $$
DECLARE
  currencies bigint := (SELECT count(*) FROM shared_db.transactions t JOIN shared_db.projects p ON p.id = t.project_id
    WHERE t.currency <> p.currency)
    + (SELECT count(*) FROM shared_db.milestones m JOIN shared_db.projects p ON p.id = m.project_id WHERE m.currency <> p.currency);
  not_finite bigint := (SELECT count(*) FROM shared_db.projects WHERE total_amount IN ('NaN', 'Infinity', '-Infinity'))
    + (SELECT count(*) FROM shared_db.milestones WHERE amount IN ('NaN', 'Infinity', '-Infinity'))
    + (SELECT count(*) FROM shared_db.transactions WHERE amount IN ('NaN', 'Infinity', '-Infinity') OR fee IN ('NaN', 'Infinity', '-Infinity'));
BEGIN
  IF currencies > 0 OR not_finite > 0 THEN
    RAISE EXCEPTION 'escrow rows to correct before this migration: % milestones or transactions in another currency than their project, % NaN or infinite amounts',
      currencies, not_finite USING ERRCODE = 'check_violation';
  END IF;
END $$;
--> statement-breakpoint
-- Every writer: as in 0016, plus the project's currency, and the project's row as its lock.
-- SECURITY INVOKER now, so that user work (the application role, raw SQL included) reads only what
-- its policies show it: a row the insert policy cannot admit (not pending, or on a project the user
-- takes no part in) is left to that policy, which refuses every such row with the same error,
-- before anything here reads a milestone, a project or a balance. Service work and the definer
-- functions (whose current_user is the owner) see every row. VOLATILE: the balance query after the
-- lock sees what the previous holder committed (READ COMMITTED takes a snapshot per query).
CREATE OR REPLACE FUNCTION shared_db.transactions_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
  held numeric;
  project_currency shared_db.projects.currency%TYPE;
  lowers boolean;
BEGIN
  IF TG_OP = 'INSERT' AND NOT shared_db.is_service() AND (NEW.status <> 'pending'
     OR (NEW.project_id IS NOT NULL AND NOT shared_db.takes_part_in(NEW.project_id))) THEN
    RETURN NEW;
  END IF;
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
  lowers := NEW.status = 'completed' AND NEW.project_id IS NOT NULL AND NEW.transaction_type IN ('escrow_release', 'refund', 'fee')
    AND (TG_OP = 'INSERT' OR OLD.status <> 'completed');
  -- REPEATABLE READ would read the balance from a snapshot older than the lock.
  IF lowers AND pg_catalog.current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE EXCEPTION 'escrow balances are lowered under READ COMMITTED or SERIALIZABLE, not REPEATABLE READ'
      USING ERRCODE = 'serialization_failure';
  END IF;
  IF lowers THEN
    -- The project's lock: concurrent releases, refunds and fees of one project queue here.
    SELECT p.currency INTO project_currency FROM shared_db.projects p WHERE p.id = NEW.project_id FOR NO KEY UPDATE;
  ELSIF TG_OP = 'INSERT' AND NEW.project_id IS NOT NULL THEN
    SELECT p.currency INTO project_currency FROM shared_db.projects p WHERE p.id = NEW.project_id;
  END IF;
  IF (lowers OR TG_OP = 'INSERT' AND NEW.project_id IS NOT NULL) AND project_currency IS NULL THEN
    RAISE EXCEPTION 'project not found: %', NEW.project_id USING ERRCODE = 'no_data_found';
  END IF;
  IF TG_OP = 'INSERT' AND NEW.currency <> project_currency THEN
    RAISE EXCEPTION 'A transaction of this project is in its currency, %, not %', project_currency, NEW.currency USING ERRCODE = 'SDBE5';
  END IF;
  IF NEW.status IN ('completed', 'failed') AND (TG_OP = 'INSERT' OR OLD.status <> NEW.status) THEN
    NEW.processed_at := coalesce(NEW.processed_at, now());
    IF NEW.status = 'completed' THEN
      NEW.completed_at := coalesce(NEW.completed_at, now());
    END IF;
  END IF;
  IF lowers THEN
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
-- User work (a creator's raw SQL included) changes no party, total, currency or milestone amount of
-- a project, and deletes neither it nor its milestones, once money is held for it (a transaction
-- pending, processing or completed): otherwise a creator could re-point the seller or the buyer and
-- pay that account the buyer's money. Service work may still correct them. The policies have
-- already admitted the row (only its creator writes it, and milestones only while the terms are
-- open), so the caller's authority is settled. FOR UPDATE on the project conflicts with the key
-- share lock that a transaction still inserting money holds on it: this waits for it, and counts it.
CREATE OR REPLACE FUNCTION shared_db.escrow_terms_frozen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
  project uuid;
BEGIN
  IF shared_db.caller_is_service() THEN
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  -- Each branch reads only fields of its own table, and NEW only where it is set (not in a DELETE).
  IF TG_TABLE_NAME = 'projects' THEN
    project := OLD.id;
    IF TG_OP = 'UPDATE' THEN
      IF NEW.buyer_id IS NOT DISTINCT FROM OLD.buyer_id AND NEW.seller_id IS NOT DISTINCT FROM OLD.seller_id
         AND NEW.total_amount = OLD.total_amount AND NEW.currency = OLD.currency THEN
        RETURN NEW;
      END IF;
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    project := OLD.project_id;
  ELSE
    project := NEW.project_id;
    IF TG_OP = 'UPDATE' THEN
      IF NEW.amount = OLD.amount THEN
        RETURN NEW;
      END IF;
    END IF;
  END IF;
  PERFORM 1 FROM shared_db.projects p WHERE p.id = project FOR UPDATE;
  IF EXISTS (SELECT 1 FROM shared_db.transactions t WHERE t.project_id = project AND t.status NOT IN ('failed', 'cancelled')) THEN
    RAISE EXCEPTION 'the parties and amounts of a project are fixed once money is held for it' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
--> statement-breakpoint
-- A trigger function: nobody calls it directly.
REVOKE ALL ON FUNCTION shared_db.escrow_terms_frozen() FROM PUBLIC;
--> statement-breakpoint
-- BEFORE, so the project's own row is locked and checked before it changes.
CREATE OR REPLACE TRIGGER projects_terms_frozen BEFORE UPDATE OF buyer_id, seller_id, total_amount, currency OR DELETE ON shared_db.projects
  FOR EACH ROW EXECUTE FUNCTION shared_db.escrow_terms_frozen();
--> statement-breakpoint
-- AFTER, so a milestone insert has passed its policy before the project is looked at.
CREATE OR REPLACE TRIGGER milestones_terms_frozen AFTER INSERT OR UPDATE OF amount OR DELETE ON shared_db.milestones
  FOR EACH ROW EXECUTE FUNCTION shared_db.escrow_terms_frozen();
--> statement-breakpoint
-- Milestone amounts never exceed their project's total, whoever writes them (0005), now also when two
-- transactions add milestones at once: a milestone write takes the project's lock before it sums.
CREATE OR REPLACE FUNCTION shared_db.milestones_within_total() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
  pid uuid := coalesce(to_jsonb(NEW) ->> 'project_id', to_jsonb(NEW) ->> 'id')::uuid;
BEGIN
  IF TG_TABLE_NAME = 'milestones' THEN
    PERFORM 1 FROM shared_db.projects p WHERE p.id = pid FOR NO KEY UPDATE;
  END IF;
  IF (SELECT coalesce(sum(m.amount), 0) FROM shared_db.milestones m WHERE m.project_id = pid)
     > (SELECT p.total_amount FROM shared_db.projects p WHERE p.id = pid) THEN
    RAISE EXCEPTION 'milestone amounts exceed the project total' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- release_escrow gets the same order (authority, then the project's row as the lock) in 0030,
-- together with its idempotency key, so it is defined once.
-- As in 0016, but the caller's part in the project is checked before its row is locked (a stranger
-- neither waits for nor takes the lock), and the wait for it is bounded.
CREATE OR REPLACE FUNCTION shared_db.accept_project_terms(p_project uuid) RETURNS shared_db.projects
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
  me uuid := shared_db.current_user_id();
  service boolean := shared_db.caller_is_service();
  p shared_db.projects;
BEGIN
  IF NOT service AND me IS NULL THEN
    RAISE EXCEPTION 'no user context: run this inside withRls, or as service work' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO p FROM shared_db.projects WHERE id = p_project;
  IF NOT FOUND OR NOT (service OR coalesce(me IN (p.creator_id, p.buyer_id, p.seller_id), false)) THEN
    RAISE EXCEPTION 'project not found: %', p_project USING ERRCODE = 'no_data_found';
  END IF;
  -- Who may accept is read again from the locked row: the creator may have changed the parties meanwhile.
  SELECT * INTO p FROM shared_db.projects WHERE id = p_project FOR NO KEY UPDATE;
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
-- As in 0016, but who may make the move is checked before the milestone's row is locked, and the
-- wait for it is bounded; whether the move is legal is read from the locked row.
CREATE OR REPLACE FUNCTION shared_db.transition_milestone(p_milestone uuid, p_to shared_db.milestone_status, p_notes text DEFAULT NULL)
RETURNS shared_db.milestones
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '5s' AS $$
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
  SELECT * INTO m FROM shared_db.milestones WHERE id = p_milestone;
  IF FOUND THEN
    SELECT * INTO p FROM shared_db.projects WHERE id = m.project_id;
  END IF;
  IF m.id IS NULL OR NOT (service OR coalesce(me IN (p.creator_id, p.buyer_id, p.seller_id), false)) THEN
    RAISE EXCEPTION 'milestone not found: %', p_milestone USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT service THEN
    IF p_to IN ('approved', 'rejected') AND (me = p.seller_id OR (me IS DISTINCT FROM p.buyer_id AND me IS DISTINCT FROM p.creator_id)) THEN
      RAISE EXCEPTION 'a milestone is approved or rejected by the buyer or the creator, never by the seller' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_to IN ('in_progress', 'completed') AND me IS DISTINCT FROM p.seller_id AND me IS DISTINCT FROM p.creator_id THEN
      RAISE EXCEPTION 'a milestone is started and completed by the seller or the creator' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  SELECT * INTO m FROM shared_db.milestones WHERE id = p_milestone FOR NO KEY UPDATE;
  IF NOT (legal -> m.status::text) ? p_to::text THEN
    RAISE EXCEPTION 'A milestone cannot go from % to %', m.status, p_to USING ERRCODE = 'SDBE2';
  END IF;
  UPDATE shared_db.milestones SET status = p_to,
    completed_at = CASE WHEN p_to = 'completed' THEN now() ELSE completed_at END,
    completion_notes = CASE WHEN p_to = 'completed' THEN coalesce(p_notes, completion_notes) ELSE completion_notes END,
    approved_at = CASE WHEN p_to = 'approved' THEN now() ELSE approved_at END
  WHERE id = p_milestone RETURNING * INTO m;
  RETURN m;
END $$;
