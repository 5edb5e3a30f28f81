-- A message's team is already checked through (channel_id, team_id) -> slack_channels, whose
-- team_id references teams, and a reaction's through (message_id, team_id) -> slack_messages:
-- the direct team_id -> teams keys re-checked the same thing on every synced row. Deleting a team
-- still removes both (teams -> slack_channels -> slack_messages -> slack_reactions, all cascade).
ALTER TABLE "shared_db"."slack_messages" DROP CONSTRAINT IF EXISTS "slack_messages_team_id_teams_id_fk";--> statement-breakpoint
ALTER TABLE "shared_db"."slack_reactions" DROP CONSTRAINT IF EXISTS "slack_reactions_team_id_teams_id_fk";
