-- Policies are declared beside their tables (pgPolicy in src/schema/<domain>.ts) from here on,
-- so drizzle-kit emits this migration. On a database migrated to 0022 every table already has
-- RLS enabled and forced, and every policy below already exists with this exact definition:
-- ENABLE is a no-op, and each policy is dropped and re-created in the migration's transaction,
-- so no behaviour changes and the file is safe to run twice. FORCE stays in the custom SQL.
ALTER TABLE "shared_db"."audit_logs" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_actions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integration_credentials" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."custom_integrations" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."integration_credentials" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."integration_events" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."integration_shares" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."integrations" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."milestones" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."projects" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."resource_access" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."service_resources" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analyses" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_analysis_channels" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_bots" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channel_analyses" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_channels" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_contributions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_installations" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_messages" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_oauth_states" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_user_tokens" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_users" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."slack_workspaces" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."team_members" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."teams" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."transactions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."user_credentials" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shared_db"."users" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
-- "shared_db"."audit_logs": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "audit_logs_service_select" ON "shared_db"."audit_logs";
--> statement-breakpoint
CREATE POLICY "audit_logs_service_select" ON "shared_db"."audit_logs" AS PERMISSIVE FOR SELECT TO "shared_db_service" USING ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "audit_logs_service_insert" ON "shared_db"."audit_logs";
--> statement-breakpoint
CREATE POLICY "audit_logs_service_insert" ON "shared_db"."audit_logs" AS PERMISSIVE FOR INSERT TO "shared_db_service" WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "audit_logs_select_own" ON "shared_db"."audit_logs";
--> statement-breakpoint
CREATE POLICY "audit_logs_select_own" ON "shared_db"."audit_logs" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("actor_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS "audit_logs_insert_own" ON "shared_db"."audit_logs";
--> statement-breakpoint
CREATE POLICY "audit_logs_insert_own" ON "shared_db"."audit_logs" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("actor_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
-- "shared_db"."user_credentials": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "user_credentials_service_all" ON "shared_db"."user_credentials";
--> statement-breakpoint
CREATE POLICY "user_credentials_service_all" ON "shared_db"."user_credentials" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
-- "shared_db"."users": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "users_service_all" ON "shared_db"."users";
--> statement-breakpoint
CREATE POLICY "users_service_all" ON "shared_db"."users" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "users_select_own" ON "shared_db"."users";
--> statement-breakpoint
CREATE POLICY "users_select_own" ON "shared_db"."users" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS "users_update_own" ON "shared_db"."users";
--> statement-breakpoint
CREATE POLICY "users_update_own" ON "shared_db"."users" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("id" = (SELECT shared_db.current_user_id())) WITH CHECK ("id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
-- "shared_db"."slack_bots": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_bots_service_all" ON "shared_db"."slack_bots";
--> statement-breakpoint
CREATE POLICY "slack_bots_service_all" ON "shared_db"."slack_bots" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
-- "shared_db"."slack_installations": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_installations_service_all" ON "shared_db"."slack_installations";
--> statement-breakpoint
CREATE POLICY "slack_installations_service_all" ON "shared_db"."slack_installations" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
-- "shared_db"."slack_oauth_states": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_oauth_states_service_all" ON "shared_db"."slack_oauth_states";
--> statement-breakpoint
CREATE POLICY "slack_oauth_states_service_all" ON "shared_db"."slack_oauth_states" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
-- "shared_db"."slack_user_tokens": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_user_tokens_service_all" ON "shared_db"."slack_user_tokens";
--> statement-breakpoint
CREATE POLICY "slack_user_tokens_service_all" ON "shared_db"."slack_user_tokens" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
-- "shared_db"."milestones": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "milestones_service_all" ON "shared_db"."milestones";
--> statement-breakpoint
CREATE POLICY "milestones_service_all" ON "shared_db"."milestones" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "milestones_select_involved" ON "shared_db"."milestones";
--> statement-breakpoint
CREATE POLICY "milestones_select_involved" ON "shared_db"."milestones" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id AND (p.creator_id = (SELECT shared_db.current_user_id())
    OR p.buyer_id = (SELECT shared_db.current_user_id()) OR p.seller_id = (SELECT shared_db.current_user_id()))));
--> statement-breakpoint
DROP POLICY IF EXISTS "milestones_insert_creator" ON "shared_db"."milestones";
--> statement-breakpoint
CREATE POLICY "milestones_insert_creator" ON "shared_db"."milestones" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending')));
--> statement-breakpoint
DROP POLICY IF EXISTS "milestones_update_creator" ON "shared_db"."milestones";
--> statement-breakpoint
CREATE POLICY "milestones_update_creator" ON "shared_db"."milestones" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending'))) WITH CHECK (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending')));
--> statement-breakpoint
DROP POLICY IF EXISTS "milestones_delete_creator" ON "shared_db"."milestones";
--> statement-breakpoint
CREATE POLICY "milestones_delete_creator" ON "shared_db"."milestones" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING (EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending')));
--> statement-breakpoint
-- "shared_db"."projects": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "projects_service_all" ON "shared_db"."projects";
--> statement-breakpoint
CREATE POLICY "projects_service_all" ON "shared_db"."projects" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "projects_select_involved" ON "shared_db"."projects";
--> statement-breakpoint
CREATE POLICY "projects_select_involved" ON "shared_db"."projects" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("creator_id" = (SELECT shared_db.current_user_id()) OR "buyer_id" = (SELECT shared_db.current_user_id()) OR "seller_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS "projects_insert_creator" ON "shared_db"."projects";
--> statement-breakpoint
CREATE POLICY "projects_insert_creator" ON "shared_db"."projects" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("creator_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS "projects_update_creator" ON "shared_db"."projects";
--> statement-breakpoint
CREATE POLICY "projects_update_creator" ON "shared_db"."projects" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("creator_id" = (SELECT shared_db.current_user_id())) WITH CHECK ("creator_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS "projects_delete_creator" ON "shared_db"."projects";
--> statement-breakpoint
CREATE POLICY "projects_delete_creator" ON "shared_db"."projects" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING ("creator_id" = (SELECT shared_db.current_user_id()) AND status IN ('draft', 'pending'));
--> statement-breakpoint
-- "shared_db"."transactions": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "transactions_service_all" ON "shared_db"."transactions";
--> statement-breakpoint
CREATE POLICY "transactions_service_all" ON "shared_db"."transactions" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "transactions_select_own" ON "shared_db"."transactions";
--> statement-breakpoint
CREATE POLICY "transactions_select_own" ON "shared_db"."transactions" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("user_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS "transactions_insert_own" ON "shared_db"."transactions";
--> statement-breakpoint
CREATE POLICY "transactions_insert_own" ON "shared_db"."transactions" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("user_id" = (SELECT shared_db.current_user_id())
    AND status = 'pending'
    AND transaction_type IN ('deposit', 'withdrawal', 'escrow_hold')
    AND (project_id IS NULL OR shared_db.takes_part_in(project_id))
    AND (transaction_type <> 'escrow_hold' OR project_id IS NOT NULL)
    AND gateway_transaction_id IS NULL AND gateway_response IS NULL
    AND processed_at IS NULL AND completed_at IS NULL);
--> statement-breakpoint
-- "shared_db"."custom_integration_actions": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "custom_integration_actions_service_all" ON "shared_db"."custom_integration_actions";
--> statement-breakpoint
CREATE POLICY "custom_integration_actions_service_all" ON "shared_db"."custom_integration_actions" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "custom_integration_actions_owner_all" ON "shared_db"."custom_integration_actions";
--> statement-breakpoint
CREATE POLICY "custom_integration_actions_owner_all" ON "shared_db"."custom_integration_actions" AS PERMISSIVE FOR ALL TO "shared_db_app" USING ("user_id" = (SELECT shared_db.current_user_id())) WITH CHECK ("user_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
-- "shared_db"."custom_integration_credentials": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "custom_integration_credentials_service_all" ON "shared_db"."custom_integration_credentials";
--> statement-breakpoint
CREATE POLICY "custom_integration_credentials_service_all" ON "shared_db"."custom_integration_credentials" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "custom_integration_credentials_owner_all" ON "shared_db"."custom_integration_credentials";
--> statement-breakpoint
CREATE POLICY "custom_integration_credentials_owner_all" ON "shared_db"."custom_integration_credentials" AS PERMISSIVE FOR ALL TO "shared_db_app" USING ("user_id" = (SELECT shared_db.current_user_id())) WITH CHECK ("user_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
-- "shared_db"."custom_integrations": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "custom_integrations_service_all" ON "shared_db"."custom_integrations";
--> statement-breakpoint
CREATE POLICY "custom_integrations_service_all" ON "shared_db"."custom_integrations" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "custom_integrations_owner_all" ON "shared_db"."custom_integrations";
--> statement-breakpoint
CREATE POLICY "custom_integrations_owner_all" ON "shared_db"."custom_integrations" AS PERMISSIVE FOR ALL TO "shared_db_app" USING ("user_id" = (SELECT shared_db.current_user_id())) WITH CHECK ("user_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
-- "shared_db"."team_members": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "team_members_service_all" ON "shared_db"."team_members";
--> statement-breakpoint
CREATE POLICY "team_members_service_all" ON "shared_db"."team_members" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "team_members_select_member" ON "shared_db"."team_members";
--> statement-breakpoint
CREATE POLICY "team_members_select_member" ON "shared_db"."team_members" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "team_members_insert_admin" ON "shared_db"."team_members";
--> statement-breakpoint
CREATE POLICY "team_members_insert_admin" ON "shared_db"."team_members" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]) OR ("user_id" = (SELECT shared_db.current_user_id()) AND role = 'OWNER' AND invitation_status = 'accepted' AND shared_db.can_claim_team(team_id)));
--> statement-breakpoint
DROP POLICY IF EXISTS "team_members_update_admin" ON "shared_db"."team_members";
--> statement-breakpoint
CREATE POLICY "team_members_update_admin" ON "shared_db"."team_members" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[])) WITH CHECK ("team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "team_members_delete_admin_or_self" ON "shared_db"."team_members";
--> statement-breakpoint
CREATE POLICY "team_members_delete_admin_or_self" ON "shared_db"."team_members" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]) OR "user_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
-- "shared_db"."teams": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "teams_service_all" ON "shared_db"."teams";
--> statement-breakpoint
CREATE POLICY "teams_service_all" ON "shared_db"."teams" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "teams_select_member" ON "shared_db"."teams";
--> statement-breakpoint
CREATE POLICY "teams_select_member" ON "shared_db"."teams" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "teams_insert_creator" ON "shared_db"."teams";
--> statement-breakpoint
CREATE POLICY "teams_insert_creator" ON "shared_db"."teams" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("created_by_user_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS "teams_update_admin" ON "shared_db"."teams";
--> statement-breakpoint
CREATE POLICY "teams_update_admin" ON "shared_db"."teams" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[])) WITH CHECK ("id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "teams_delete_owner" ON "shared_db"."teams";
--> statement-breakpoint
CREATE POLICY "teams_delete_owner" ON "shared_db"."teams" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING ("id" = ANY ((SELECT shared_db.my_team_ids('OWNER'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."integration_credentials": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "integration_credentials_service_all" ON "shared_db"."integration_credentials";
--> statement-breakpoint
CREATE POLICY "integration_credentials_service_all" ON "shared_db"."integration_credentials" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "integration_credentials_admin_all" ON "shared_db"."integration_credentials";
--> statement-breakpoint
CREATE POLICY "integration_credentials_admin_all" ON "shared_db"."integration_credentials" AS PERMISSIVE FOR ALL TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[])) WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."integration_events": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "integration_events_service_all" ON "shared_db"."integration_events";
--> statement-breakpoint
CREATE POLICY "integration_events_service_all" ON "shared_db"."integration_events" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "integration_events_select_involved" ON "shared_db"."integration_events";
--> statement-breakpoint
CREATE POLICY "integration_events_select_involved" ON "shared_db"."integration_events" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR "affected_team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('FULL_ACCESS', 'VIEWER') s));
--> statement-breakpoint
DROP POLICY IF EXISTS "integration_events_insert_admin" ON "shared_db"."integration_events";
--> statement-breakpoint
CREATE POLICY "integration_events_insert_admin" ON "shared_db"."integration_events" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]) AND "actor_user_id" = (SELECT shared_db.current_user_id()));
--> statement-breakpoint
DROP POLICY IF EXISTS "integration_events_insert_shared_use" ON "shared_db"."integration_events";
--> statement-breakpoint
CREATE POLICY "integration_events_insert_shared_use" ON "shared_db"."integration_events" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK (event_type = 'USED' AND "actor_user_id" = (SELECT shared_db.current_user_id())
    AND (integration_id, owner_team_id, affected_team_id) IN (SELECT s.integration_id, s.owner_team_id, s.team_id FROM shared_db.shared_integrations_at('LIMITED_ACCESS', 'MEMBER') s));
--> statement-breakpoint
-- "shared_db"."integration_shares": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "integration_shares_service_all" ON "shared_db"."integration_shares";
--> statement-breakpoint
CREATE POLICY "integration_shares_service_all" ON "shared_db"."integration_shares" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "integration_shares_select_involved" ON "shared_db"."integration_shares";
--> statement-breakpoint
CREATE POLICY "integration_shares_select_involved" ON "shared_db"."integration_shares" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]) OR "team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "integration_shares_insert_admin" ON "shared_db"."integration_shares";
--> statement-breakpoint
CREATE POLICY "integration_shares_insert_admin" ON "shared_db"."integration_shares" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "integration_shares_update_admin" ON "shared_db"."integration_shares";
--> statement-breakpoint
CREATE POLICY "integration_shares_update_admin" ON "shared_db"."integration_shares" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[])) WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "integration_shares_delete_admin" ON "shared_db"."integration_shares";
--> statement-breakpoint
CREATE POLICY "integration_shares_delete_admin" ON "shared_db"."integration_shares" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."integrations": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "integrations_service_all" ON "shared_db"."integrations";
--> statement-breakpoint
CREATE POLICY "integrations_service_all" ON "shared_db"."integrations" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "integrations_select_visible" ON "shared_db"."integrations";
--> statement-breakpoint
CREATE POLICY "integrations_select_visible" ON "shared_db"."integrations" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR (id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations() s));
--> statement-breakpoint
DROP POLICY IF EXISTS "integrations_insert_admin" ON "shared_db"."integrations";
--> statement-breakpoint
CREATE POLICY "integrations_insert_admin" ON "shared_db"."integrations" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "integrations_update_admin" ON "shared_db"."integrations";
--> statement-breakpoint
CREATE POLICY "integrations_update_admin" ON "shared_db"."integrations" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[])) WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "integrations_delete_admin" ON "shared_db"."integrations";
--> statement-breakpoint
CREATE POLICY "integrations_delete_admin" ON "shared_db"."integrations" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."resource_access": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "resource_access_service_all" ON "shared_db"."resource_access";
--> statement-breakpoint
CREATE POLICY "resource_access_service_all" ON "shared_db"."resource_access" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "resource_access_select_involved" ON "shared_db"."resource_access";
--> statement-breakpoint
CREATE POLICY "resource_access_select_involved" ON "shared_db"."resource_access" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]) OR "team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "resource_access_insert_admin" ON "shared_db"."resource_access";
--> statement-breakpoint
CREATE POLICY "resource_access_insert_admin" ON "shared_db"."resource_access" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "resource_access_update_admin" ON "shared_db"."resource_access";
--> statement-breakpoint
CREATE POLICY "resource_access_update_admin" ON "shared_db"."resource_access" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[])) WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "resource_access_delete_admin" ON "shared_db"."resource_access";
--> statement-breakpoint
CREATE POLICY "resource_access_delete_admin" ON "shared_db"."resource_access" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "resource_access_select_delegated" ON "shared_db"."resource_access";
--> statement-breakpoint
CREATE POLICY "resource_access_select_delegated" ON "shared_db"."resource_access" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ((resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g));
--> statement-breakpoint
DROP POLICY IF EXISTS "resource_access_insert_delegated" ON "shared_db"."resource_access";
--> statement-breakpoint
CREATE POLICY "resource_access_insert_delegated" ON "shared_db"."resource_access" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK (access_level <> 'ADMIN'
    AND (resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g));
--> statement-breakpoint
DROP POLICY IF EXISTS "resource_access_delete_delegated" ON "shared_db"."resource_access";
--> statement-breakpoint
CREATE POLICY "resource_access_delete_delegated" ON "shared_db"."resource_access" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING (access_level <> 'ADMIN'
    AND (resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g));
--> statement-breakpoint
-- "shared_db"."service_resources": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "service_resources_service_all" ON "shared_db"."service_resources";
--> statement-breakpoint
CREATE POLICY "service_resources_service_all" ON "shared_db"."service_resources" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "service_resources_select_visible" ON "shared_db"."service_resources";
--> statement-breakpoint
CREATE POLICY "service_resources_select_visible" ON "shared_db"."service_resources" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[])
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations() s)
    OR (id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('READ', 'VIEWER') g));
--> statement-breakpoint
DROP POLICY IF EXISTS "service_resources_insert_admin" ON "shared_db"."service_resources";
--> statement-breakpoint
CREATE POLICY "service_resources_insert_admin" ON "shared_db"."service_resources" AS PERMISSIVE FOR INSERT TO "shared_db_app" WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "service_resources_update_admin" ON "shared_db"."service_resources";
--> statement-breakpoint
CREATE POLICY "service_resources_update_admin" ON "shared_db"."service_resources" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[])) WITH CHECK ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "service_resources_update_delegated" ON "shared_db"."service_resources";
--> statement-breakpoint
CREATE POLICY "service_resources_update_delegated" ON "shared_db"."service_resources" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ((id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('WRITE', 'MEMBER') g)
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('FULL_ACCESS', 'ADMIN') s)) WITH CHECK ((id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('WRITE', 'MEMBER') g)
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('FULL_ACCESS', 'ADMIN') s));
--> statement-breakpoint
DROP POLICY IF EXISTS "service_resources_delete_admin" ON "shared_db"."service_resources";
--> statement-breakpoint
CREATE POLICY "service_resources_delete_admin" ON "shared_db"."service_resources" AS PERMISSIVE FOR DELETE TO "shared_db_app" USING ("owner_team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_analyses": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_analyses_service_all" ON "shared_db"."slack_analyses";
--> statement-breakpoint
CREATE POLICY "slack_analyses_service_all" ON "shared_db"."slack_analyses" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_analyses_select_team" ON "shared_db"."slack_analyses";
--> statement-breakpoint
CREATE POLICY "slack_analyses_select_team" ON "shared_db"."slack_analyses" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_analysis_channels": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_analysis_channels_service_all" ON "shared_db"."slack_analysis_channels";
--> statement-breakpoint
CREATE POLICY "slack_analysis_channels_service_all" ON "shared_db"."slack_analysis_channels" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_analysis_channels_select_team" ON "shared_db"."slack_analysis_channels";
--> statement-breakpoint
CREATE POLICY "slack_analysis_channels_select_team" ON "shared_db"."slack_analysis_channels" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_channel_analyses": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_channel_analyses_service_all" ON "shared_db"."slack_channel_analyses";
--> statement-breakpoint
CREATE POLICY "slack_channel_analyses_service_all" ON "shared_db"."slack_channel_analyses" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_channel_analyses_select_team" ON "shared_db"."slack_channel_analyses";
--> statement-breakpoint
CREATE POLICY "slack_channel_analyses_select_team" ON "shared_db"."slack_channel_analyses" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_channels": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_channels_service_all" ON "shared_db"."slack_channels";
--> statement-breakpoint
CREATE POLICY "slack_channels_service_all" ON "shared_db"."slack_channels" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_channels_select_team" ON "shared_db"."slack_channels";
--> statement-breakpoint
CREATE POLICY "slack_channels_select_team" ON "shared_db"."slack_channels" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_channels_update_admin" ON "shared_db"."slack_channels";
--> statement-breakpoint
CREATE POLICY "slack_channels_update_admin" ON "shared_db"."slack_channels" AS PERMISSIVE FOR UPDATE TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[])) WITH CHECK ("team_id" = ANY ((SELECT shared_db.my_team_ids('ADMIN'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_contributions": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_contributions_service_all" ON "shared_db"."slack_contributions";
--> statement-breakpoint
CREATE POLICY "slack_contributions_service_all" ON "shared_db"."slack_contributions" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_contributions_select_team" ON "shared_db"."slack_contributions";
--> statement-breakpoint
CREATE POLICY "slack_contributions_select_team" ON "shared_db"."slack_contributions" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_messages": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_messages_service_all" ON "shared_db"."slack_messages";
--> statement-breakpoint
CREATE POLICY "slack_messages_service_all" ON "shared_db"."slack_messages" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_messages_select_team" ON "shared_db"."slack_messages";
--> statement-breakpoint
CREATE POLICY "slack_messages_select_team" ON "shared_db"."slack_messages" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_reactions": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_reactions_service_all" ON "shared_db"."slack_reactions";
--> statement-breakpoint
CREATE POLICY "slack_reactions_service_all" ON "shared_db"."slack_reactions" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_reactions_select_team" ON "shared_db"."slack_reactions";
--> statement-breakpoint
CREATE POLICY "slack_reactions_select_team" ON "shared_db"."slack_reactions" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_users": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_users_service_all" ON "shared_db"."slack_users";
--> statement-breakpoint
CREATE POLICY "slack_users_service_all" ON "shared_db"."slack_users" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_users_select_team" ON "shared_db"."slack_users";
--> statement-breakpoint
CREATE POLICY "slack_users_select_team" ON "shared_db"."slack_users" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
--> statement-breakpoint
-- "shared_db"."slack_workspaces": the same policies, now generated from the schema (dropped first: idempotent).
DROP POLICY IF EXISTS "slack_workspaces_service_all" ON "shared_db"."slack_workspaces";
--> statement-breakpoint
CREATE POLICY "slack_workspaces_service_all" ON "shared_db"."slack_workspaces" AS PERMISSIVE FOR ALL TO "shared_db_service" USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
DROP POLICY IF EXISTS "slack_workspaces_select_team" ON "shared_db"."slack_workspaces";
--> statement-breakpoint
CREATE POLICY "slack_workspaces_select_team" ON "shared_db"."slack_workspaces" AS PERMISSIVE FOR SELECT TO "shared_db_app" USING ("team_id" = ANY ((SELECT shared_db.my_team_ids('VIEWER'))::uuid[]));
