import { type AnyPgColumn, foreignKey, index, jsonb, primaryKey, text, timestamp, unique, uuid, varchar } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { rowId, sharedDb, timestamps } from "./namespace";
import { inTeamsWithRole, isCurrentUser, serviceAccess, userPolicy } from "./policies";
import { teams } from "./teams";
import { users } from "./users";

export const serviceType = sharedDb.enum("integration_service_type", ["SLACK", "GITHUB", "NOTION", "DISCORD"]);
export const integrationStatus = sharedDb.enum("integration_status", ["ACTIVE", "DISCONNECTED", "EXPIRED", "REVOKED", "ERROR"]);
export const credentialType = sharedDb.enum("integration_credential_type", [
  "OAUTH_TOKEN",
  "API_KEY",
  "BOT_TOKEN",
  "WEBHOOK_SECRET",
  "PERSONAL_TOKEN",
  "APP_TOKEN",
]);
export const resourceType = sharedDb.enum("service_resource_type", [
  "SLACK_CHANNEL",
  "GITHUB_REPO",
  "NOTION_PAGE",
  "NOTION_DATABASE",
  "DISCORD_CHANNEL",
  "SLACK_USER",
  "GITHUB_ISSUE",
  "GITHUB_PR",
]);
/** Declared strongest first: `share_level <= 'LIMITED_ACCESS'` means FULL_ACCESS or LIMITED_ACCESS. */
export const shareLevel = sharedDb.enum("integration_share_level", ["FULL_ACCESS", "LIMITED_ACCESS", "READ_ONLY"]);
/** Declared weakest first: `access_level >= 'WRITE'` means WRITE or ADMIN. */
export const accessLevel = sharedDb.enum("resource_access_level", ["READ", "WRITE", "ADMIN"]);
export const integrationEventType = sharedDb.enum("integration_event_type", [
  "CREATED",
  "UPDATED",
  "STATUS_CHANGED",
  "CREDENTIAL_UPDATED",
  "SHARED",
  "SHARE_REVOKED",
  "RESOURCE_UPSERTED",
  "ACCESS_GRANTED",
  "USED",
  // Values the original application writes (0022).
  "UNSHARED",
  "DISCONNECTED",
  "ACCESS_CHANGED",
  "ERROR",
]);

/** A connection to an external service, owned by a team. */
export const integrations = sharedDb.table(
  "integrations",
  {
    id: rowId(),
    name: varchar("name", { length: 255 }).notNull(),
    description: text("description"),
    serviceType: serviceType("service_type").notNull(),
    status: integrationStatus("status").notNull().default("ACTIVE"),
    integrationMetadata: jsonb("integration_metadata").$type<Record<string, unknown>>().notNull().default({}),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    workspaceId: varchar("workspace_id", { length: 255 }),
    ownerTeamId: uuid("owner_team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    ...timestamps(),
  },
  (t) => [
    unique("integrations_owner_team_id_workspace_id_service_type_key").on(t.ownerTeamId, t.workspaceId, t.serviceType).nullsNotDistinct(),
    // Target of the children's (integration_id, owner_team_id) keys: a child stays in its owner's tenant.
    primaryKey({ name: "integrations_pkey", columns: [t.id, t.ownerTeamId] }),
    serviceAccess("integrations"),
    // The owner team's members, and members of a team it is shared with (any active share).
    userPolicy(
      "integrations_select_visible",
      "select",
      sql`${inTeamsWithRole(t.ownerTeamId, "VIEWER")}
    OR (id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations() s)`,
    ),
    userPolicy("integrations_insert_admin", "insert", inTeamsWithRole(t.ownerTeamId, "ADMIN")),
    userPolicy("integrations_update_admin", "update", inTeamsWithRole(t.ownerTeamId, "ADMIN")),
    userPolicy("integrations_delete_admin", "delete", inTeamsWithRole(t.ownerTeamId, "ADMIN")),
  ],
);

/** Children carry owner_team_id (the tenant key) and reference (integration_id, owner_team_id). */
const ownedChild = () => ({
  integrationId: uuid("integration_id").notNull(),
  ownerTeamId: uuid("owner_team_id").notNull(),
});
/** A grant from an owner team to another team: both teams see it, the owner team's ADMINs write it. */
const grantPolicies = (table: string, t: { ownerTeamId: AnyPgColumn; teamId: AnyPgColumn }) => [
  userPolicy(`${table}_select_involved`, "select", sql`${inTeamsWithRole(t.ownerTeamId, "VIEWER")} OR ${inTeamsWithRole(t.teamId, "VIEWER")}`),
  ...(["insert", "update", "delete"] as const).map((command) =>
    userPolicy(`${table}_${command}_admin`, command, inTeamsWithRole(t.ownerTeamId, "ADMIN")),
  ),
];

const toIntegration = (name: string, t: { integrationId: AnyPgColumn; ownerTeamId: AnyPgColumn }) =>
  foreignKey({ name, columns: [t.integrationId, t.ownerTeamId], foreignColumns: [integrations.id, integrations.ownerTeamId] }).onDelete("cascade");

/** Tokens and keys: keyring ciphertext bound to table, column and row. */
export const integrationCredentials = sharedDb.table(
  "integration_credentials",
  {
    id: rowId(),
    ...ownedChild(),
    credentialType: credentialType("credential_type").notNull(),
    encryptedValue: text("encrypted_value").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    refreshToken: text("refresh_token"),
    scopes: jsonb("scopes").$type<string[]>(),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "integration_credentials_pkey", columns: [t.id, t.ownerTeamId] }),
    unique("integration_credentials_integration_id_type_owner_team_id_key").on(t.integrationId, t.credentialType, t.ownerTeamId),
    index("integration_credentials_owner_team_id_idx").on(t.ownerTeamId),
    toIntegration("integration_credentials_integration_fk", t),
    serviceAccess("integration_credentials"),
    userPolicy("integration_credentials_admin_all", "all", inTeamsWithRole(t.ownerTeamId, "ADMIN")),
  ],
);

export const serviceResources = sharedDb.table(
  "service_resources",
  {
    id: rowId(),
    ...ownedChild(),
    resourceType: resourceType("resource_type").notNull(),
    externalId: varchar("external_id", { length: 255 }).notNull(),
    name: varchar("name", { length: 255 }),
    resourceMetadata: jsonb("resource_metadata").$type<Record<string, unknown>>().notNull().default({}),
    lastSyncedAt: timestamp("last_synced_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    unique("service_resources_integration_id_type_external_id_owner_key").on(t.integrationId, t.resourceType, t.externalId, t.ownerTeamId),
    primaryKey({ name: "service_resources_pkey", columns: [t.id, t.ownerTeamId] }),
    index("service_resources_owner_team_id_idx").on(t.ownerTeamId),
    toIntegration("service_resources_integration_fk", t),
    serviceAccess("service_resources"),
    // The owner team, teams its integration is shared with, and teams granted READ on the resource.
    userPolicy(
      "service_resources_select_visible",
      "select",
      sql`${inTeamsWithRole(t.ownerTeamId, "VIEWER")}
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations() s)
    OR (id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('READ', 'VIEWER') g)`,
    ),
    userPolicy("service_resources_insert_admin", "insert", inTeamsWithRole(t.ownerTeamId, "ADMIN")),
    userPolicy("service_resources_update_admin", "update", inTeamsWithRole(t.ownerTeamId, "ADMIN")),
    // A MEMBER or stronger of a team granted WRITE, or an ADMIN of a team with FULL_ACCESS to the
    // integration; the service_resources_delegated_columns trigger keeps what the resource is.
    userPolicy(
      "service_resources_update_delegated",
      "update",
      sql`(id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('WRITE', 'MEMBER') g)
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('FULL_ACCESS', 'ADMIN') s)`,
    ),
    userPolicy("service_resources_delete_admin", "delete", inTeamsWithRole(t.ownerTeamId, "ADMIN")),
  ],
);

export const integrationShares = sharedDb.table(
  "integration_shares",
  {
    id: rowId(),
    ...ownedChild(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    shareLevel: shareLevel("share_level").notNull(),
    status: varchar("status", { length: 50 }).notNull().default("active"),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    sharedByUserId: uuid("shared_by_user_id").references(() => users.id, { onDelete: "set null" }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "integration_shares_pkey", columns: [t.id, t.ownerTeamId] }),
    unique("integration_shares_integration_id_team_id_owner_team_id_key").on(t.integrationId, t.teamId, t.ownerTeamId),
    index("integration_shares_owner_team_id_idx").on(t.ownerTeamId),
    index("integration_shares_team_id_idx").on(t.teamId),
    toIntegration("integration_shares_integration_fk", t),
    serviceAccess("integration_shares"),
    ...grantPolicies("integration_shares", t),
  ],
);

export const resourceAccess = sharedDb.table(
  "resource_access",
  {
    id: rowId(),
    resourceId: uuid("resource_id").notNull(),
    ownerTeamId: uuid("owner_team_id").notNull(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    accessLevel: accessLevel("access_level").notNull(),
    grantedByUserId: uuid("granted_by_user_id").references(() => users.id, { onDelete: "set null" }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "resource_access_pkey", columns: [t.id, t.ownerTeamId] }),
    unique("resource_access_resource_id_team_id_owner_team_id_key").on(t.resourceId, t.teamId, t.ownerTeamId),
    index("resource_access_owner_team_id_idx").on(t.ownerTeamId),
    index("resource_access_team_id_idx").on(t.teamId),
    foreignKey({
      name: "resource_access_resource_fk",
      columns: [t.resourceId, t.ownerTeamId],
      foreignColumns: [serviceResources.id, serviceResources.ownerTeamId],
    }).onDelete("cascade"),
    serviceAccess("resource_access"),
    ...grantPolicies("resource_access", t),
    // An ADMIN of a team granted ADMIN on the resource sees its grants, and grants or revokes READ and WRITE.
    userPolicy(
      "resource_access_select_delegated",
      "select",
      sql`(resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g)`,
    ),
    userPolicy(
      "resource_access_insert_delegated",
      "insert",
      sql`access_level <> 'ADMIN'
    AND (resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g)`,
    ),
    userPolicy(
      "resource_access_delete_delegated",
      "delete",
      sql`access_level <> 'ADMIN'
    AND (resource_id, owner_team_id) IN (SELECT g.resource_id, g.owner_team_id FROM shared_db.granted_resources('ADMIN', 'ADMIN') g)`,
    ),
  ],
);

/** What happened to an integration: appended in the same transaction as the change. */
export const integrationEvents = sharedDb.table(
  "integration_events",
  {
    id: rowId(),
    ...ownedChild(),
    eventType: integrationEventType("event_type").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    actorUserId: uuid("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    affectedTeamId: uuid("affected_team_id").references(() => teams.id, { onDelete: "set null" }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "integration_events_pkey", columns: [t.id, t.ownerTeamId] }),
    index("integration_events_integration_id_idx").on(t.integrationId, t.createdAt),
    index("integration_events_owner_team_id_idx").on(t.ownerTeamId),
    index("integration_events_affected_team_id_idx").on(t.affectedTeamId),
    toIntegration("integration_events_integration_fk", t),
    serviceAccess("integration_events"),
    // The owner team, the team an event affected, and teams with FULL_ACCESS to the integration.
    userPolicy(
      "integration_events_select_involved",
      "select",
      sql`${inTeamsWithRole(t.ownerTeamId, "VIEWER")}
    OR ${inTeamsWithRole(t.affectedTeamId, "VIEWER")}
    OR (integration_id, owner_team_id) IN (SELECT s.integration_id, s.owner_team_id FROM shared_db.shared_integrations_at('FULL_ACCESS', 'VIEWER') s)`,
    ),
    userPolicy("integration_events_insert_admin", "insert", sql`${inTeamsWithRole(t.ownerTeamId, "ADMIN")} AND ${isCurrentUser(t.actorUserId)}`),
    // A MEMBER of a team with LIMITED_ACCESS or better records that it used the integration.
    userPolicy(
      "integration_events_insert_shared_use",
      "insert",
      sql`event_type = 'USED' AND ${isCurrentUser(t.actorUserId)}
    AND (integration_id, owner_team_id, affected_team_id) IN (SELECT s.integration_id, s.owner_team_id, s.team_id FROM shared_db.shared_integrations_at('LIMITED_ACCESS', 'MEMBER') s)`,
    ),
  ],
);

export type Integration = typeof integrations.$inferSelect;
export type IntegrationShare = typeof integrationShares.$inferSelect;
export type ServiceResource = typeof serviceResources.$inferSelect;
export type ResourceAccess = typeof resourceAccess.$inferSelect;
export type IntegrationEvent = typeof integrationEvents.$inferSelect;
export type IntegrationEventType = (typeof integrationEventType.enumValues)[number];
