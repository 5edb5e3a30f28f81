import { and, asc, eq, getTableName, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Keyring } from "../crypto";
import { integrationCredentialAad as credentialAad } from "../crypto/aad";
import { primaryOf, type Db, type Tx } from "../db";
import { ConflictError, NotFoundError, rethrowConflict, rethrowDbError } from "../errors";
import { parseInput, pgDate, pgJson, pgText } from "../input";
import {
  credentialType,
  integrationCredentials,
  integrationEvents,
  integrations,
  integrationShares,
  resourceAccess,
  resourceType,
  serviceResources,
  type Integration,
  type IntegrationEventType,
  type IntegrationShare,
  type ResourceAccess,
  type ServiceResource,
} from "../schema/integrations";
import { teamMembers } from "../schema/teams";
import { requireTeamRole } from "./teams";

const uuid = z.uuid();
const json = pgJson();
/** Driver errors of a write, mapped to typed errors without the statement's parameters. */
const mapped = (e: unknown) => rethrowDbError(e);

/**
 * The team that owns row `id` of `table` and that the actor administers (ADMIN or OWNER). Ids are
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
  if (administered.length === 0) await requireTeamRole(db, rows[0]!.ownerTeamId, actorId, "ADMIN");
  if (administered.length > 1)
    throw new ConflictError(`The ${entity} id is used by more than one of your teams`, `${getTableName(table)}_id_tenant_key`);
  return administered[0]!.ownerTeamId;
}

/** The integration's owner team, after checking the actor is its ADMIN or OWNER. */
const ownerTeamFor = (db: Db, integrationId: string, actorId: string) => adminTeamOf(db, integrations, integrationId, actorId, "integration");

/** Appends an IntegrationEvent in the caller's transaction. */
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
  actorId: uuid,
  ownerTeamId: uuid,
  name: pgText().trim().min(1).max(255),
  description: pgText().max(10_000).nullable().optional(),
  serviceType: z.enum(["SLACK", "GITHUB", "NOTION", "DISCORD"]),
  workspaceId: pgText().min(1).max(255).nullable().optional(),
  integrationMetadata: json.optional(),
});

/** Creates an integration for a team (ADMIN or OWNER); unique per team, workspace and service. */
export async function createIntegration(db: Db, input: z.input<typeof createIntegrationInput>): Promise<Integration> {
  const { actorId, ...values } = parseInput(createIntegrationInput, input);
  await requireTeamRole(db, values.ownerTeamId, actorId, "ADMIN");
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

/** Sets an integration's status (ADMIN or OWNER of the owner team). */
export async function updateIntegrationStatus(
  db: Db,
  input: { actorId: string; integrationId: string; status: Integration["status"] },
): Promise<Integration> {
  const v = parseInput(
    z.strictObject({ actorId: uuid, integrationId: uuid, status: z.enum(["ACTIVE", "DISCONNECTED", "EXPIRED", "REVOKED", "ERROR"]) }),
    input,
  );
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

/**
 * Stamps last_used_at with the database's clock (service work, e.g. a sync job). Takes the
 * integration's (id, owner team) key, e.g. the row itself.
 *
 * @example
 * await recordIntegrationUse(db, integration);
 */
export async function recordIntegrationUse(db: Db, integration: { id: string; ownerTeamId: string }): Promise<void> {
  const v = parseInput(z.object({ id: uuid, ownerTeamId: uuid }), integration);
  await db
    .update(integrations)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(integrations.id, v.id), eq(integrations.ownerTeamId, v.ownerTeamId)))
    .catch(mapped);
}

const credentialTypeSchema = z.enum(credentialType.enumValues);
export const storeIntegrationCredentialInput = z.strictObject({
  actorId: uuid,
  integrationId: uuid,
  credentialType: credentialTypeSchema,
  value: pgText().min(1).max(8192),
  refreshToken: pgText().min(1).max(8192).optional(),
  expiresAt: pgDate().nullable().optional(),
  scopes: z.array(pgText().max(255)).max(500).optional(),
});

/** Stores (or replaces) a credential, encrypted and bound to its row and column (ADMIN or OWNER). */
export async function storeIntegrationCredential(
  db: Db,
  keyring: Keyring,
  input: z.input<typeof storeIntegrationCredentialInput>,
): Promise<{ id: string; credentialType: string; expiresAt: Date | null }> {
  const v = parseInput(storeIntegrationCredentialInput, input);
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await ownerTeamFor(tx, v.integrationId, v.actorId);
      const id = crypto.randomUUID();
      const fields = {
        id,
        encryptedValue: keyring.encrypt(v.value, credentialAad("encrypted_value", id)),
        refreshToken: v.refreshToken ? keyring.encrypt(v.refreshToken, credentialAad("refresh_token", id)) : null,
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

/**
 * The decrypted credential: only the owner team's ADMIN or OWNER may call it (checked here, and by
 * RLS under withRls). Shared teams never can.
 */
export async function revealCredential(
  db: Db,
  keyring: Keyring,
  input: { actorId: string; integrationId: string; credentialType: z.input<typeof credentialTypeSchema> },
): Promise<{ value: string; refreshToken?: string; expiresAt: Date | null } | undefined> {
  const v = parseInput(z.strictObject({ actorId: uuid, integrationId: uuid, credentialType: credentialTypeSchema }), input);
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
    value: keyring.decrypt(row.encryptedValue, credentialAad("encrypted_value", row.id)),
    refreshToken: row.refreshToken ? keyring.decrypt(row.refreshToken, credentialAad("refresh_token", row.id)) : undefined,
    expiresAt: row.expiresAt,
  };
}

const shareInput = z.strictObject({
  actorId: uuid,
  integrationId: uuid,
  teamId: uuid,
  shareLevel: z.enum(["FULL_ACCESS", "LIMITED_ACCESS", "READ_ONLY"]).default("READ_ONLY"),
});

/** Shares an integration with another team (or re-activates a revoked share). */
export async function shareIntegration(db: Db, input: z.input<typeof shareInput>): Promise<IntegrationShare> {
  const v = parseInput(shareInput, input);
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

/** Revokes a share: the other team stops seeing the integration at once. */
export async function revokeShare(db: Db, input: { actorId: string; integrationId: string; teamId: string }): Promise<IntegrationShare> {
  const v = parseInput(shareInput.omit({ shareLevel: true }), input);
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

/** Integrations actively shared with the team, with the share level. */
export async function listSharedWithTeam(db: Db, teamId: string): Promise<(Integration & { shareLevel: IntegrationShare["shareLevel"] })[]> {
  const rows = await db
    .select({ integration: integrations, shareLevel: integrationShares.shareLevel })
    .from(integrationShares)
    .innerJoin(integrations, and(eq(integrations.id, integrationShares.integrationId), eq(integrations.ownerTeamId, integrationShares.ownerTeamId)))
    .where(
      and(
        eq(integrationShares.teamId, parseInput(uuid, teamId, "teamId")),
        eq(integrationShares.status, "active"),
        isNull(integrationShares.revokedAt),
      ),
    )
    .orderBy(asc(integrations.name));
  return rows.map((r) => ({ ...r.integration, shareLevel: r.shareLevel }));
}

/**
 * Integrations the user can see: their teams' own and those actively shared with their teams, in
 * one query with explicit conditions (for service work; under withRls, `select from integrations`
 * returns the same rows through the policies).
 */
export async function listIntegrationsForUser(db: Db, userId: string): Promise<Integration[]> {
  const myTeams = sql`select ${teamMembers.teamId} from ${teamMembers}
    where ${teamMembers.userId} = ${parseInput(uuid, userId, "userId")} and ${teamMembers.invitationStatus} = 'accepted'`;
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
  actorId: uuid,
  integrationId: uuid,
  resourceType: z.enum(resourceType.enumValues),
  externalId: pgText().min(1).max(255),
  name: pgText().max(255).nullable().optional(),
  resourceMetadata: json.optional(),
});

/** Creates or updates a resource by (integration, type, external id). */
export async function upsertServiceResource(db: Db, input: z.input<typeof upsertServiceResourceInput>): Promise<ServiceResource> {
  const { actorId, ...v } = parseInput(upsertServiceResourceInput, input);
  return db
    .transaction(async (tx) => {
      const ownerTeamId = await ownerTeamFor(tx, v.integrationId, actorId);
      const changes = { name: v.name ?? null, resourceMetadata: v.resourceMetadata ?? {}, lastSyncedAt: new Date() };
      const [row] = await tx
        .insert(serviceResources)
        .values({ ...v, ownerTeamId, ...changes })
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

/** Grants a team access to one resource at a level (replacing an earlier grant). */
export async function grantResourceAccess(
  db: Db,
  input: { actorId: string; resourceId: string; teamId: string; accessLevel: ResourceAccess["accessLevel"] },
): Promise<ResourceAccess> {
  const v = parseInput(z.strictObject({ actorId: uuid, resourceId: uuid, teamId: uuid, accessLevel: z.enum(["READ", "WRITE", "ADMIN"]) }), input);
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
