import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { primaryOf, rowsOf, type Db } from "../db";
import { ForbiddenError, NotFoundError, rethrowDbError } from "../errors";
import { parseInput, pgDate, pgJson, pgText, uuid } from "../input";
import {
  integrationCredentials,
  integrationEvents,
  integrations,
  resourceAccess,
  serviceResources,
  type Integration,
  type IntegrationEvent,
  type ResourceAccess,
  type ServiceResource,
} from "../schema/integrations";
import { teamMembers, teams, type TeamMember } from "../schema/teams";
import { adminTeamOf, recordEvent } from "./integrations";
import { memberColumns, requireTeamRole } from "./teams";

export const listTeamMembersInput = z.strictObject({
  teamId: uuid(),
  /** Include pending invitations (never their token hash). @default false */
  includeInvitations: z.boolean().default(false),
});
export type ListTeamMembersInput = z.input<typeof listTeamMembersInput>;

/** A team's members by role then email (any member may list them; RLS shows only their teams). */
export async function listTeamMembers(db: Db, input: ListTeamMembersInput): Promise<Omit<TeamMember, "invitationToken">[]> {
  const v = parseInput(listTeamMembersInput, input);
  return db
    .select(memberColumns)
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, v.teamId), v.includeInvitations ? undefined : eq(teamMembers.invitationStatus, "accepted")))
    .orderBy(teamMembers.role, teamMembers.email);
}

export const deleteTeamInput = z.strictObject({ actorId: uuid(), teamId: uuid() });
export type DeleteTeamInput = z.input<typeof deleteTeamInput>;

/**
 * Deletes a team (OWNER only) and, by cascade, its members, integrations, shares, grants and Slack
 * data. Users and the audit log stay.
 */
export async function deleteTeam(db: Db, input: DeleteTeamInput): Promise<void> {
  const v = parseInput(deleteTeamInput, input);
  await db
    .transaction(async (tx) => {
      await requireTeamRole(tx, { teamId: v.teamId, userId: v.actorId, min: "OWNER" });
      const gone = await tx.delete(teams).where(eq(teams.id, v.teamId)).returning({ id: teams.id });
      if (gone.length === 0) throw new ForbiddenError("Deleting a team needs the OWNER role", { table: "teams" });
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const markMemberActiveInput = z.strictObject({ teamId: uuid(), userId: uuid() });
export type MarkMemberActiveInput = z.input<typeof markMemberActiveInput>;

/**
 * Stamps the member's last_active_at with the database's clock: the user themselves under
 * withRls, or service work for anyone. Returns the time, or a NotFoundError if not a member.
 */
export async function markMemberActive(db: Db, input: MarkMemberActiveInput): Promise<Date> {
  const v = parseInput(markMemberActiveInput, input);
  const result = await db
    .execute(sql`select shared_db.mark_member_active(${v.teamId}::uuid, ${v.userId}::uuid) as at`)
    .catch((e: unknown) => rethrowDbError(e));
  const at = rowsOf<{ at: string | Date | null }>(result)[0]?.at;
  if (!at) throw new NotFoundError("team member", v.userId, { field: "userId" });
  return new Date(at);
}

export const updateIntegrationInput = z
  .strictObject({
    actorId: uuid(),
    integrationId: uuid(),
    name: pgText().trim().min(1).max(255).optional(),
    description: pgText().max(10_000).nullable().optional(),
    workspaceId: pgText().min(1).max(255).nullable().optional(),
    integrationMetadata: pgJson().optional(),
  })
  .refine((v) => Object.keys(v).some((k) => k !== "actorId" && k !== "integrationId"), { path: ["name"], message: "nothing to update" });
export type UpdateIntegrationInput = z.input<typeof updateIntegrationInput>;

/** Updates an integration's name, description, workspace or metadata (ADMIN or OWNER) and records UPDATED. */
export async function updateIntegration(db: Db, input: UpdateIntegrationInput): Promise<Integration> {
  const v = parseInput(updateIntegrationInput, input);
  const { actorId, integrationId, ...changes } = v;
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await adminTeamOf(tx, integrations, integrationId, actorId, "integration");
      const [row] = await tx
        .update(integrations)
        .set(changes)
        .where(and(eq(integrations.id, integrationId), eq(integrations.ownerTeamId, ownerTeamId)))
        .returning();
      if (!row) throw new ForbiddenError("Updating an integration needs the ADMIN role in its team", { table: "integrations" });
      await recordEvent(tx, { integrationId, ownerTeamId, actorId, eventType: "UPDATED", details: { fields: Object.keys(changes).sort() } });
      return row;
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const deleteIntegrationInput = z.strictObject({ actorId: uuid(), integrationId: uuid() });
export type DeleteIntegrationInput = z.input<typeof deleteIntegrationInput>;

/** Deletes an integration (ADMIN or OWNER) with its credentials, resources, shares, grants and events. */
export async function deleteIntegration(db: Db, input: DeleteIntegrationInput): Promise<void> {
  const v = parseInput(deleteIntegrationInput, input);
  await db
    .transaction(async (tx) => {
      const ownerTeamId = await adminTeamOf(tx, integrations, v.integrationId, v.actorId, "integration");
      const gone = await tx
        .delete(integrations)
        .where(and(eq(integrations.id, v.integrationId), eq(integrations.ownerTeamId, ownerTeamId)))
        .returning({ id: integrations.id });
      if (gone.length === 0) throw new ForbiddenError("Deleting an integration needs the ADMIN role in its team", { table: "integrations" });
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const revokeResourceAccessInput = z.strictObject({ actorId: uuid(), resourceId: uuid(), teamId: uuid() });
export type RevokeResourceAccessInput = z.input<typeof revokeResourceAccessInput>;

/** Removes a team's grant on a resource (ADMIN or OWNER of the owner team) and records ACCESS_CHANGED. */
export async function revokeResourceAccess(db: Db, input: RevokeResourceAccessInput): Promise<ResourceAccess> {
  const v = parseInput(revokeResourceAccessInput, input);
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await adminTeamOf(tx, serviceResources, v.resourceId, v.actorId, "service resource");
      const grant = and(
        eq(resourceAccess.resourceId, v.resourceId),
        eq(resourceAccess.ownerTeamId, ownerTeamId),
        eq(resourceAccess.teamId, v.teamId),
      );
      const [existing] = await tx
        .select({ accessLevel: resourceAccess.accessLevel, integrationId: serviceResources.integrationId })
        .from(resourceAccess)
        .innerJoin(
          serviceResources,
          and(eq(serviceResources.id, resourceAccess.resourceId), eq(serviceResources.ownerTeamId, resourceAccess.ownerTeamId)),
        )
        .where(grant);
      if (!existing) throw new NotFoundError("resource access", `${v.resourceId}/${v.teamId}`);
      // Recorded while the grant exists: an event names only a team the integration concerns.
      await recordEvent(tx, {
        integrationId: existing.integrationId,
        ownerTeamId,
        actorId: v.actorId,
        eventType: "ACCESS_CHANGED",
        affectedTeamId: v.teamId,
        details: { resourceId: v.resourceId, accessLevel: null, revoked: existing.accessLevel },
      });
      const [row] = await tx.delete(resourceAccess).where(grant).returning();
      if (!row) throw new NotFoundError("resource access", `${v.resourceId}/${v.teamId}`);
      return row;
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const listServiceResourcesInput = z.strictObject({ integrationId: uuid(), ownerTeamId: uuid() });
export type ListServiceResourcesInput = z.input<typeof listServiceResourcesInput>;

/** An integration's resources the caller may see (RLS: owner team, a share of any level, or a grant). */
export async function listServiceResources(db: Db, input: ListServiceResourcesInput): Promise<ServiceResource[]> {
  const v = parseInput(listServiceResourcesInput, input);
  return db
    .select()
    .from(serviceResources)
    .where(and(eq(serviceResources.integrationId, v.integrationId), eq(serviceResources.ownerTeamId, v.ownerTeamId)))
    .orderBy(serviceResources.resourceType, serviceResources.externalId);
}

export const listIntegrationEventsInput = z.strictObject({
  integrationId: uuid(),
  ownerTeamId: uuid(),
  /** @default 100 */
  limit: z.number().int().min(1).max(1000).default(100),
});
export type ListIntegrationEventsInput = z.input<typeof listIntegrationEventsInput>;

/**
 * An integration's events, newest first: all of them for its owner team and FULL_ACCESS shares,
 * those about their own team for other shares (RLS).
 */
export async function listIntegrationEvents(db: Db, input: ListIntegrationEventsInput): Promise<IntegrationEvent[]> {
  const v = parseInput(listIntegrationEventsInput, input);
  return db
    .select()
    .from(integrationEvents)
    .where(and(eq(integrationEvents.integrationId, v.integrationId), eq(integrationEvents.ownerTeamId, v.ownerTeamId)))
    .orderBy(desc(integrationEvents.createdAt), desc(integrationEvents.id))
    .limit(v.limit);
}

/** What an integration's credentials are, never their values (ADMIN or OWNER of the owner team). */
export interface IntegrationCredentialInfo {
  id: string;
  credentialType: (typeof integrationCredentials.$inferSelect)["credentialType"];
  hasRefreshToken: boolean;
  expiresAt: Date | null;
  scopes: string[] | null;
  createdAt: Date;
  updatedAt: Date;
}

export const listIntegrationCredentialsInput = z.strictObject({ actorId: uuid(), integrationId: uuid() });
export type ListIntegrationCredentialsInput = z.input<typeof listIntegrationCredentialsInput>;

/** The integration's credentials as metadata: type, expiry, scopes, whether a refresh token exists. */
export async function listIntegrationCredentials(db: Db, input: ListIntegrationCredentialsInput): Promise<IntegrationCredentialInfo[]> {
  const v = parseInput(listIntegrationCredentialsInput, input);
  const ownerTeamId = await adminTeamOf(db, integrations, v.integrationId, v.actorId, "integration");
  return db
    .select({
      id: integrationCredentials.id,
      credentialType: integrationCredentials.credentialType,
      hasRefreshToken: sql<boolean>`${integrationCredentials.refreshToken} is not null`,
      expiresAt: integrationCredentials.expiresAt,
      scopes: integrationCredentials.scopes,
      createdAt: integrationCredentials.createdAt,
      updatedAt: integrationCredentials.updatedAt,
    })
    .from(integrationCredentials)
    .where(and(eq(integrationCredentials.integrationId, v.integrationId), eq(integrationCredentials.ownerTeamId, ownerTeamId)))
    .orderBy(integrationCredentials.credentialType);
}

export const recordSharedIntegrationUseInput = z.strictObject({
  actorId: uuid(),
  integrationId: uuid(),
  ownerTeamId: uuid(),
  /** The receiving team the use is for. */
  teamId: uuid(),
  details: pgJson().optional(),
});
export type RecordSharedIntegrationUseInput = z.input<typeof recordSharedIntegrationUseInput>;

/**
 * Records a USED event by a team the integration is shared with: needs a LIMITED_ACCESS or
 * FULL_ACCESS share and the MEMBER role in that team (enforced by RLS under withRls, and checked
 * here for service work). A READ_ONLY share is a ForbiddenError.
 */
export async function recordSharedIntegrationUse(db: Db, input: RecordSharedIntegrationUseInput): Promise<IntegrationEvent> {
  const v = parseInput(recordSharedIntegrationUseInput, input);
  return db
    .transaction(async (tx) => {
      await requireTeamRole(tx, { teamId: v.teamId, userId: v.actorId, min: "MEMBER" });
      const shared = await primaryOf(tx).execute(sql`
        select 1 from shared_db.integration_shares where integration_id = ${v.integrationId} and owner_team_id = ${v.ownerTeamId} and team_id = ${v.teamId}
          and status = 'active' and revoked_at is null and share_level <= 'LIMITED_ACCESS'`);
      if (rowsOf(shared).length === 0)
        throw new ForbiddenError("Using a shared integration needs a LIMITED_ACCESS or FULL_ACCESS share", { table: "integration_events" });
      const [row] = await tx
        .insert(integrationEvents)
        .values({
          integrationId: v.integrationId,
          ownerTeamId: v.ownerTeamId,
          actorUserId: v.actorId,
          eventType: "USED",
          affectedTeamId: v.teamId,
          details: v.details ?? {},
        })
        .returning();
      return row!;
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const updateServiceResourceInput = z.strictObject({
  resourceId: uuid(),
  ownerTeamId: uuid(),
  name: pgText().max(255).nullable().optional(),
  resourceMetadata: pgJson().optional(),
  lastSyncedAt: pgDate().nullable().optional(),
});
export type UpdateServiceResourceInput = z.input<typeof updateServiceResourceInput>;

/**
 * Updates what describes a resource (name, metadata, last sync): the owner team's ADMIN, a team
 * with WRITE or ADMIN access to it, or the ADMIN of a team with a FULL_ACCESS share (RLS, under
 * withRls). A resource the caller may only see is a ForbiddenError, one it cannot see a NotFoundError.
 */
export async function updateServiceResource(db: Db, input: UpdateServiceResourceInput): Promise<ServiceResource> {
  const v = parseInput(updateServiceResourceInput, input);
  const { resourceId, ownerTeamId, ...changes } = v;
  const key = and(eq(serviceResources.id, resourceId), eq(serviceResources.ownerTeamId, ownerTeamId));
  return db
    .transaction(async (tx) => {
      const [row] = await tx
        .update(serviceResources)
        .set({ ...changes })
        .where(key)
        .returning();
      if (row) return row;
      const [visible] = await tx.select({ id: serviceResources.id }).from(serviceResources).where(key);
      if (!visible) throw new NotFoundError("service resource", resourceId, { field: "resourceId" });
      throw new ForbiddenError("Updating a resource needs WRITE access, a FULL_ACCESS share, or the ADMIN role in its team", {
        table: "service_resources",
      });
    })
    .catch((e: unknown) => rethrowDbError(e));
}
