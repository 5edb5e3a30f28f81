import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, primaryKey, text, timestamp, unique, uuid, varchar } from "drizzle-orm/pg-core";
import { id, rowId, sharedDb, timestamps } from "./namespace";
import { inTeamsWithRole, isCurrentUser, serviceAccess, userPolicy } from "./policies";
import { users } from "./users";

/** Declared strongest first: `role <= 'ADMIN'` means OWNER or ADMIN. */
export const teamMemberRole = sharedDb.enum("team_member_role", ["OWNER", "ADMIN", "MEMBER", "VIEWER"]);

export const teams = sharedDb.table(
  "teams",
  {
    id: id(),
    name: varchar("name", { length: 255 }).notNull(),
    slug: varchar("slug", { length: 255 }).notNull().unique("teams_slug_key"),
    description: text("description"),
    avatarUrl: varchar("avatar_url", { length: 1024 }),
    teamSize: integer("team_size"),
    isPersonal: boolean("is_personal").notNull().default(false),
    teamMetadata: jsonb("team_metadata").$type<Record<string, unknown>>().notNull().default({}),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdByEmail: varchar("created_by_email", { length: 255 }),
    ...timestamps(),
  },
  (t) => [
    serviceAccess("teams"),
    userPolicy("teams_select_member", "select", inTeamsWithRole(t.id, "VIEWER")),
    // The creator then claims the new team as its OWNER (team_members_insert_admin).
    userPolicy("teams_insert_creator", "insert", isCurrentUser(t.createdByUserId)),
    userPolicy("teams_update_admin", "update", inTeamsWithRole(t.id, "ADMIN")),
    userPolicy("teams_delete_owner", "delete", inTeamsWithRole(t.id, "OWNER")),
  ],
);

/** A membership, or a pending invitation (user_id NULL until accepted; only a hash of the token is kept). */
export const teamMembers = sharedDb.table(
  "team_members",
  {
    id: rowId(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    email: varchar("email", { length: 255 }).notNull(),
    displayName: varchar("display_name", { length: 255 }),
    role: teamMemberRole("role").notNull().default("MEMBER"),
    invitationStatus: varchar("invitation_status", { length: 50 }).notNull().default("accepted"),
    /** SHA-256 (hex) of the invitation token; the token itself is never stored. */
    invitationToken: varchar("invitation_token", { length: 255 }),
    invitationExpiresAt: timestamp("invitation_expires_at", { withTimezone: true }),
    lastActiveAt: timestamp("last_active_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "team_members_pkey", columns: [t.id, t.teamId] }),
    unique("team_members_team_id_user_id_key").on(t.teamId, t.userId),
    unique("team_members_team_id_invitation_token_key").on(t.teamId, t.invitationToken),
    index("team_members_user_id_idx").on(t.userId, t.teamId, t.role).where(sql`${t.invitationStatus} = 'accepted'`),
    serviceAccess("team_members"),
    userPolicy("team_members_select_member", "select", inTeamsWithRole(t.teamId, "VIEWER")),
    // An ADMIN adds members; or a user makes themselves the OWNER of a team they may claim (one
    // they created that has no member yet, shared_db.can_claim_team).
    userPolicy(
      "team_members_insert_admin",
      "insert",
      sql`${inTeamsWithRole(t.teamId, "ADMIN")} OR (${isCurrentUser(t.userId)} AND role = 'OWNER' AND invitation_status = 'accepted' AND shared_db.can_claim_team(team_id))`,
    ),
    userPolicy("team_members_update_admin", "update", inTeamsWithRole(t.teamId, "ADMIN")),
    // An ADMIN removes members; anyone leaves.
    userPolicy("team_members_delete_admin_or_self", "delete", sql`${inTeamsWithRole(t.teamId, "ADMIN")} OR ${isCurrentUser(t.userId)}`),
  ],
);

export type Team = typeof teams.$inferSelect;
export type TeamMember = typeof teamMembers.$inferSelect;
export type TeamMemberRole = (typeof teamMemberRole.enumValues)[number];
