import { and, asc, eq, getTableName, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { integrationCredentialAad as credentialAad } from "../crypto/aad";
import { primaryOf, type Db, type Tx } from "../db";
import { ConflictError, NotFoundError, rethrowConflict, rethrowDbError } from "../errors";
import { enumOf, keyring, parseInput, pgDate, pgJson, pgText, uuid } from "../input";
import {
  accessLevel,
  credentialType,
  integrationCredentials,
  integrationEvents,
  integrations,
  integrationShares,
  resourceAccess,
  integrationStatus,
  resourceType,
  serviceResources,
  serviceType,
  shareLevel,
  type Integration,
  type IntegrationEventType,
  type IntegrationShare,
  type ResourceAccess,
  type ServiceResource,
} from "../schema/integrations";
import { teamMembers } from "../schema/teams";
import { requireTeamRole } from "./teams";

/** Driver errors of a write, mapped to typed errors without the statement's parameters. */
const mapped = (e: unknown) => rethrowDbError(e);

/**
 * Internal (for the team stores, not exported from the index): the team that owns row `id` of
 * `table` and that the actor administers (ADMIN or OWNER). Ids are
 * unique only per team (the key is (id, owner_team_id)), so the id is matched together with a team
 * the actor administers, never alone.
 */
export async function adminTeamOf(
  db: Db,
  table: typeof integrations | typeof serviceResources,
  id: string,
  actorId: string,
  entity: string,
): Promise<string> {
  // A revoked role must stop working at once, so permission checks never read a replica.
  const rows: { ownerTeamId: string; role: string | null }[] = await primaryOf(db)
    .select({ ownerTeamId: table.ownerTeamId, role: teamMembers.role })
    .from(table as typeof integrations)
    .leftJoin(
      teamMembers,
      and(eq(teamMembers.teamId, table.ownerTeamId), eq(teamMembers.userId, actorId), eq(teamMembers.invitationStatus, "accepted")),
    )
    .where(eq(table.id, id));
  if (rows.length === 0) throw new NotFoundError(entity, id);
  const administered = rows.filter((r) => r.role === "OWNER" || r.role === "ADMIN");
  if (administered.length === 0) await requireTeamRole(db, { teamId: rows[0]!.ownerTeamId, userId: actorId, min: "ADMIN" });
  if (administered.length > 1)
    throw new ConflictError(`The ${entity} id is used by more than one of your teams`, `${getTableName(table)}_id_tenant_key`);
  return administered[0]!.ownerTeamId;
}

/** The integration's owner team, after checking the actor is its ADMIN or OWNER. */
const ownerTeamFor = (db: Db, integrationId: string, actorId: string) => adminTeamOf(db, integrations, integrationId, actorId, "integration");

/** Internal (for the team stores, not exported from the index): appends an IntegrationEvent in the caller's transaction. */
export function recordEvent(
  tx: Tx,
  e: {
    integrationId: string;
    ownerTeamId: string;
    actorId: string;
    eventType: IntegrationEventType;
    affectedTeamId?: string;
    details?: Record<string, unknown>;
  },
) {
  return tx.insert(integrationEvents).values({
    integrationId: e.integrationId,
    ownerTeamId: e.ownerTeamId,
    actorUserId: e.actorId,
    eventType: e.eventType,
    affectedTeamId: e.affectedTeamId,
    details: e.details ?? {},
  });
}

export const createIntegrationInput = z.strictObject({
  actorId: uuid(),
  ownerTeamId: uuid(),
  name: pgText().trim().min(1).max(255),
  description: pgText().max(10_000).nullable().optional(),
  serviceType: enumOf(serviceType),
  workspaceId: pgText().min(1).max(255).nullable().optional(),
  integrationMetadata: pgJson().optional(),
});
export type CreateIntegrationInput = z.input<typeof createIntegrationInput>;

/** Creates an integration for a team (ADMIN or OWNER); unique per team, workspace and service. */
export async function createIntegration(db: Db, input: CreateIntegrationInput): Promise<Integration> {
  const v = parseInput(createIntegrationInput, input);
  const { actorId, ...values } = v;
  await requireTeamRole(db, { teamId: values.ownerTeamId, userId: actorId, min: "ADMIN" });
  return db
    .transaction(async (tx) => {
      const [row] = await tx
        .insert(integrations)
        .values({ ...values, createdByUserId: actorId })
        .returning()
        .catch((e: unknown) => rethrowConflict(e, () => "The team already has this service connected for this workspace"));
      await recordEvent(tx, { integrationId: row!.id, ownerTeamId: row!.ownerTeamId, actorId, eventType: "CREATED", details: { name: row!.name } });
      return row!;
    })
    .catch(mapped);
}

export const updateIntegrationStatusInput = z.strictObject({ actorId: uuid(), integrationId: uuid(), status: enumOf(integrationStatus) });
export type UpdateIntegrationStatusInput = z.input<typeof updateIntegrationStatusInput>;

/** Sets an integration's status (ADMIN or OWNER of the owner team). */
export async function updateIntegrationStatus(db: Db, input: UpdateIntegrationStatusInput): Promise<Integration> {
  const v = parseInput(updateIntegrationStatusInput, input);
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await ownerTeamFor(tx, v.integrationId, v.actorId);
      const [row] = await tx
        .update(integrations)
        .set({ status: v.status })
        .where(and(eq(integrations.id, v.integrationId), eq(integrations.ownerTeamId, ownerTeamId)))
        .returning();
      await recordEvent(tx, {
        integrationId: v.integrationId,
        ownerTeamId,
        actorId: v.actorId,
        eventType: "STATUS_CHANGED",
        details: { status: v.status },
      });
      return row!;
    })
    .catch(mapped);
}

export const recordIntegrationUseInput = z.strictObject({ id: uuid(), ownerTeamId: uuid() });
export type RecordIntegrationUseInput = z.input<typeof recordIntegrationUseInput>;

/**
 * Stamps last_used_at with the database's clock (service work, e.g. a sync job). Takes the
 * integration's (id, owner team) key.
 *
 * @example
 * await recordIntegrationUse(db, { id: integration.id, ownerTeamId: integration.ownerTeamId });
 */
export async function recordIntegrationUse(db: Db, input: RecordIntegrationUseInput): Promise<void> {
  const v = parseInput(recordIntegrationUseInput, input);
  await db
    .update(integrations)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(integrations.id, v.id), eq(integrations.ownerTeamId, v.ownerTeamId)))
    .catch(mapped);
}

export const storeIntegrationCredentialInput = z.strictObject({
  keyring: keyring(),
  actorId: uuid(),
  integrationId: uuid(),
  credentialType: enumOf(credentialType),
  value: pgText().min(1).max(8192),
  refreshToken: pgText().min(1).max(8192).optional(),
  expiresAt: pgDate().nullable().optional(),
  scopes: z.array(pgText().max(255)).max(500).optional(),
});
export type StoreIntegrationCredentialInput = z.input<typeof storeIntegrationCredentialInput>;

/** Stores (or replaces) a credential, encrypted and bound to its row and column (ADMIN or OWNER). */
export async function storeIntegrationCredential(
  db: Db,
  input: StoreIntegrationCredentialInput,
): Promise<{ id: string; credentialType: string; expiresAt: Date | null }> {
  const v = parseInput(storeIntegrationCredentialInput, input);
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await ownerTeamFor(tx, v.integrationId, v.actorId);
      const id = crypto.randomUUID();
      const fields = {
        id,
        encryptedValue: v.keyring.encrypt(v.value, credentialAad("encrypted_value", id)),
        refreshToken: v.refreshToken ? v.keyring.encrypt(v.refreshToken, credentialAad("refresh_token", id)) : null,
        expiresAt: v.expiresAt ?? null,
        scopes: v.scopes ?? null,
      };
      await tx
        .insert(integrationCredentials)
        .values({ integrationId: v.integrationId, ownerTeamId, credentialType: v.credentialType, ...fields })
        .onConflictDoUpdate({
          target: [integrationCredentials.integrationId, integrationCredentials.credentialType, integrationCredentials.ownerTeamId],
          set: fields,
        });
      await recordEvent(tx, {
        integrationId: v.integrationId,
        ownerTeamId,
        actorId: v.actorId,
        eventType: "CREDENTIAL_UPDATED",
        details: { credentialType: v.credentialType },
      });
      return { id, credentialType: v.credentialType, expiresAt: fields.expiresAt };
    })
    .catch(mapped);
}

export const revealCredentialInput = z.strictObject({
  keyring: keyring(),
  actorId: uuid(),
  integrationId: uuid(),
  credentialType: enumOf(credentialType),
});
export type RevealCredentialInput = z.input<typeof revealCredentialInput>;

/**
 * The decrypted credential: only the owner team's ADMIN or OWNER may call it (checked here, and by
 * RLS under withRls). Shared teams never can.
 */
export async function revealCredential(
  db: Db,
  input: RevealCredentialInput,
): Promise<{ value: string; refreshToken?: string; expiresAt: Date | null } | undefined> {
  const v = parseInput(revealCredentialInput, input);
  const ownerTeamId = await ownerTeamFor(db, v.integrationId, v.actorId);
  const [row] = await db
    .select()
    .from(integrationCredentials)
    .where(
      and(
        eq(integrationCredentials.integrationId, v.integrationId),
        eq(integrationCredentials.ownerTeamId, ownerTeamId),
        eq(integrationCredentials.credentialType, v.credentialType),
      ),
    );
  if (!row) return undefined;
  return {
    value: v.keyring.decrypt(row.encryptedValue, credentialAad("encrypted_value", row.id)),
    refreshToken: row.refreshToken ? v.keyring.decrypt(row.refreshToken, credentialAad("refresh_token", row.id)) : undefined,
    expiresAt: row.expiresAt,
  };
}

export const shareIntegrationInput = z.strictObject({
  actorId: uuid(),
  integrationId: uuid(),
  teamId: uuid(),
  /** @default "READ_ONLY" */
  shareLevel: enumOf(shareLevel).default("READ_ONLY"),
});
export type ShareIntegrationInput = z.input<typeof shareIntegrationInput>;

/** Shares an integration with another team (or re-activates a revoked share). */
export async function shareIntegration(db: Db, input: ShareIntegrationInput): Promise<IntegrationShare> {
  const v = parseInput(shareIntegrationInput, input);
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await ownerTeamFor(tx, v.integrationId, v.actorId);
      const active = { shareLevel: v.shareLevel, status: "active", revokedAt: null, sharedByUserId: v.actorId };
      const [row] = await tx
        .insert(integrationShares)
        .values({ integrationId: v.integrationId, ownerTeamId, teamId: v.teamId, ...active })
        .onConflictDoUpdate({ target: [integrationShares.integrationId, integrationShares.teamId, integrationShares.ownerTeamId], set: active })
        .returning();
      await recordEvent(tx, {
        integrationId: v.integrationId,
        ownerTeamId,
        actorId: v.actorId,
        eventType: "SHARED",
        affectedTeamId: v.teamId,
        details: { shareLevel: v.shareLevel },
      });
      return row!;
    })
    .catch(mapped);
}

export const revokeShareInput = z.strictObject({ actorId: uuid(), integrationId: uuid(), teamId: uuid() });
export type RevokeShareInput = z.input<typeof revokeShareInput>;

/** Revokes a share: the other team stops seeing the integration at once. */
export async function revokeShare(db: Db, input: RevokeShareInput): Promise<IntegrationShare> {
  const v = parseInput(revokeShareInput, input);
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await ownerTeamFor(tx, v.integrationId, v.actorId);
      const [row] = await tx
        .update(integrationShares)
        .set({ status: "revoked", revokedAt: sql`now()` })
        .where(
          and(
            eq(integrationShares.integrationId, v.integrationId),
            eq(integrationShares.ownerTeamId, ownerTeamId),
            eq(integrationShares.teamId, v.teamId),
          ),
        )
        .returning();
      if (!row) throw new NotFoundError("integration share", `${v.integrationId}/${v.teamId}`);
      await recordEvent(tx, {
        integrationId: v.integrationId,
        ownerTeamId,
        actorId: v.actorId,
        eventType: "SHARE_REVOKED",
        affectedTeamId: v.teamId,
      });
      return row;
    })
    .catch(mapped);
}

export const listSharedWithTeamInput = z.strictObject({ teamId: uuid() });
export type ListSharedWithTeamInput = z.input<typeof listSharedWithTeamInput>;

/** Integrations actively shared with the team, with the share level. */
export async function listSharedWithTeam(
  db: Db,
  input: ListSharedWithTeamInput,
): Promise<(Integration & { shareLevel: IntegrationShare["shareLevel"] })[]> {
  const v = parseInput(listSharedWithTeamInput, input);
  const rows = await db
    .select({ integration: integrations, shareLevel: integrationShares.shareLevel })
    .from(integrationShares)
    .innerJoin(integrations, and(eq(integrations.id, integrationShares.integrationId), eq(integrations.ownerTeamId, integrationShares.ownerTeamId)))
    .where(and(eq(integrationShares.teamId, v.teamId), eq(integrationShares.status, "active"), isNull(integrationShares.revokedAt)))
    .orderBy(asc(integrations.name));
  return rows.map((r) => ({ ...r.integration, shareLevel: r.shareLevel }));
}

export const listIntegrationsForUserInput = z.strictObject({ userId: uuid() });
export type ListIntegrationsForUserInput = z.input<typeof listIntegrationsForUserInput>;

/**
 * Integrations the user can see: their teams' own and those actively shared with their teams, in
 * one query with explicit conditions (for service work; under withRls, `select from integrations`
 * returns the same rows through the policies).
 */
export async function listIntegrationsForUser(db: Db, input: ListIntegrationsForUserInput): Promise<Integration[]> {
  const v = parseInput(listIntegrationsForUserInput, input);
  const myTeams = sql`select ${teamMembers.teamId} from ${teamMembers}
    where ${teamMembers.userId} = ${v.userId} and ${teamMembers.invitationStatus} = 'accepted'`;
  // (id, owner team) pairs: an id alone would also match another team's integration reusing it.
  const sharedToMe = sql`select ${integrationShares.integrationId}, ${integrationShares.ownerTeamId} from ${integrationShares}
    where ${integrationShares.teamId} in (${myTeams}) and ${integrationShares.status} = 'active' and ${integrationShares.revokedAt} is null`;
  return db
    .select()
    .from(integrations)
    .where(or(sql`${integrations.ownerTeamId} in (${myTeams})`, sql`(${integrations.id}, ${integrations.ownerTeamId}) in (${sharedToMe})`))
    .orderBy(asc(integrations.name));
}

export const upsertServiceResourceInput = z.strictObject({
  actorId: uuid(),
  integrationId: uuid(),
  resourceType: enumOf(resourceType),
  externalId: pgText().min(1).max(255),
  name: pgText().max(255).nullable().optional(),
  resourceMetadata: pgJson().optional(),
});
export type UpsertServiceResourceInput = z.input<typeof upsertServiceResourceInput>;

/** Creates or updates a resource by (integration, type, external id). */
export async function upsertServiceResource(db: Db, input: UpsertServiceResourceInput): Promise<ServiceResource> {
  const v = parseInput(upsertServiceResourceInput, input);
  const { actorId, ...values } = v;
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await ownerTeamFor(tx, v.integrationId, actorId);
      const changes = { name: v.name ?? null, resourceMetadata: v.resourceMetadata ?? {}, lastSyncedAt: new Date() };
      const [row] = await tx
        .insert(serviceResources)
        .values({ ...values, ownerTeamId, ...changes })
        .onConflictDoUpdate({
          target: [serviceResources.integrationId, serviceResources.resourceType, serviceResources.externalId, serviceResources.ownerTeamId],
          set: changes,
        })
        .returning();
      await recordEvent(tx, {
        integrationId: v.integrationId,
        ownerTeamId,
        actorId,
        eventType: "RESOURCE_UPSERTED",
        details: { resourceType: v.resourceType, externalId: v.externalId },
      });
      return row!;
    })
    .catch(mapped);
}

export const grantResourceAccessInput = z.strictObject({ actorId: uuid(), resourceId: uuid(), teamId: uuid(), accessLevel: enumOf(accessLevel) });
export type GrantResourceAccessInput = z.input<typeof grantResourceAccessInput>;

/** Grants a team access to one resource at a level (replacing an earlier grant). */
export async function grantResourceAccess(db: Db, input: GrantResourceAccessInput): Promise<ResourceAccess> {
  const v = parseInput(grantResourceAccessInput, input);
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await adminTeamOf(tx, serviceResources, v.resourceId, v.actorId, "service resource");
      const [resource] = await tx
        .select()
        .from(serviceResources)
        .where(and(eq(serviceResources.id, v.resourceId), eq(serviceResources.ownerTeamId, ownerTeamId)));
      const [row] = await tx
        .insert(resourceAccess)
        .values({ resourceId: v.resourceId, ownerTeamId, teamId: v.teamId, accessLevel: v.accessLevel, grantedByUserId: v.actorId })
        .onConflictDoUpdate({
          target: [resourceAccess.resourceId, resourceAccess.teamId, resourceAccess.ownerTeamId],
          set: { accessLevel: v.accessLevel, grantedByUserId: v.actorId },
        })
        .returning();
      await recordEvent(tx, {
        integrationId: resource!.integrationId,
        ownerTeamId,
        actorId: v.actorId,
        eventType: "ACCESS_GRANTED",
        affectedTeamId: v.teamId,
        details: { resourceId: v.resourceId, accessLevel: v.accessLevel },
      });
      return row!;
    })
    .catch(mapped);
}
