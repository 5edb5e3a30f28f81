-- release_escrow takes an idempotency key (issue 28 item 7): a new parameter is a new signature, so
-- the 7-argument version goes, or a caller could still pay without the key's protection.
DROP FUNCTION IF EXISTS shared_db.release_escrow(uuid, uuid, shared_db.transaction_type, numeric, uuid, text, text);
--> statement-breakpoint
-- As in 0016, but the caller's part in the project is checked before the project's row is locked
-- (the row's lock replaces the advisory key, and the wait for it is bounded), plus the key: a retry
-- of a release whose COMMIT answer was lost returns the first release instead of paying twice.
CREATE OR REPLACE FUNCTION shared_db.release_escrow(
  p_project uuid, p_payee uuid, p_kind shared_db.transaction_type, p_amount numeric,
  p_milestone uuid DEFAULT NULL, p_gateway_transaction_id text DEFAULT NULL, p_description text DEFAULT NULL,
  p_idempotency_key text DEFAULT NULL
) RETURNS shared_db.transactions
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '5s' AS $$
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
  -- The project's lock, first, so two payments of one milestone queue here; the checks below read the locked row.
  SELECT * INTO p FROM shared_db.projects WHERE id = p_project FOR NO KEY UPDATE;
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
  -- A retry with the key returns the first movement and writes nothing (read under the project's
  -- lock, so a concurrent retry waits for the first); the key with other details is refused.
  IF p_idempotency_key IS NOT NULL THEN
    SELECT * INTO tx FROM shared_db.transactions t WHERE t.user_id = p_payee AND t.idempotency_key = p_idempotency_key;
    IF FOUND THEN
      IF tx.project_id = p_project AND tx.transaction_type = p_kind AND tx.amount = p_amount
         AND tx.milestone_id IS NOT DISTINCT FROM p_milestone AND tx.description IS NOT DISTINCT FROM p_description
         AND tx.gateway_transaction_id IS NOT DISTINCT FROM p_gateway_transaction_id THEN
        RETURN tx;
      END IF;
      RAISE EXCEPTION 'this idempotency key was used for another money movement'
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'transactions_user_idempotency_key';
    END IF;
  END IF;
  IF p_milestone IS NOT NULL THEN
    IF p_kind <> 'escrow_release' THEN
      RAISE EXCEPTION 'only a release pays a milestone' USING ERRCODE = 'SDBE3';
    END IF;
    UPDATE shared_db.milestones m SET is_paid = true, paid_at = now()
    WHERE m.id = p_milestone AND m.project_id = p_project AND m.status = 'approved' AND NOT m.is_paid AND m.amount = p_amount;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'Only an approved, unpaid milestone of this project can be paid, for its exact amount' USING ERRCODE = 'SDBE3';
    END IF;
  END IF;
  INSERT INTO shared_db.transactions (project_id, milestone_id, user_id, transaction_type, status, amount, currency,
    gateway_transaction_id, description, idempotency_key)
  VALUES (p_project, p_milestone, p_payee, p_kind, 'completed', p_amount, p.currency, p_gateway_transaction_id, p_description,
    p_idempotency_key)
  RETURNING * INTO tx;
  RETURN tx;
END $$;
--> statement-breakpoint
-- Only the roles that could call the old version may call this one.
REVOKE ALL ON FUNCTION shared_db.release_escrow(uuid, uuid, shared_db.transaction_type, numeric, uuid, text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION shared_db.release_escrow(uuid, uuid, shared_db.transaction_type, numeric, uuid, text, text, text) TO shared_db_app, shared_db_service;
