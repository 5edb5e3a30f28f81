import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf, type Db, type Tx } from "../../src/db";
import { withRls } from "../../src";
import { pgErrorOf } from "../../src/errors";
import { teamMembers } from "../../src/schema";
import {
  createIntegration,
  createTeam,
  grantResourceAccess,
  shareIntegration,
  storeIntegrationCredential,
  upsertServiceResource,
  type PublicUser,
} from "../../src/stores";
import { makeUser } from "../support/db";

export const keyring = createKeyring({ keys: [generateKey()] });
export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Rows of a shared_db table as the service sees them, in key order: the state an attack must leave unchanged. */
export async function state(db: Db, table: string): Promise<unknown[]> {
  return rowsOf(await db.execute(sql.raw(`select * from shared_db.${table} order by 1, 2`)));
}

/** The application role with no user context, as a pooled connection without withRls has it. */
export function withoutContext<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local role shared_db_app`);
    return fn(tx);
  });
}

/** Resolves to the error's SQLSTATE (or its class name) when `p` rejects; throws if it resolves. */
export async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return pgErrorOf(e)?.code ?? (e as Error).name;
  }
  throw new Error("expected a refusal, but the statement went through");
}

/** Everything one team owns in the integration framework, with ids to forge against. */
export interface TeamWorld {
  teamId: string;
  owner: PublicUser;
  ownerRowId: string;
  integrationId: string;
  credentialId: string;
  resourceId: string;
  shareId: string;
  accessId: string;
  eventId: string;
}

/** A team with an integration, a credential, a resource, a share and an access grant (both to `shareTo`, if given). */
export async function makeTeamWorld(db: Db, label: string, shareTo?: string): Promise<TeamWorld> {
  const owner = await makeUser(db, `${label}-owner`);
  const team = await createTeam(db, { actorId: owner.id, name: `Team ${label}` });
  const [ownerRow] = rowsOf<{ id: string }>(await db.execute(sql`select id from shared_db.team_members where team_id = ${team.id}`));
  const integration = await createIntegration(db, {
    actorId: owner.id,
    ownerTeamId: team.id,
    name: `${label} Slack`,
    serviceType: "SLACK",
    workspaceId: `T-${label}`,
  });
  const credential = await storeIntegrationCredential(db, {
    keyring,
    actorId: owner.id,
    integrationId: integration.id,
    credentialType: "BOT_TOKEN",
    value: `xoxb-${label}-secret`,
  });
  const resource = await upsertServiceResource(db, {
    actorId: owner.id,
    integrationId: integration.id,
    resourceType: "SLACK_CHANNEL",
    externalId: `C-${label}`,
    name: `#${label}`,
  });
  const target = shareTo ?? (await createTeam(db, { actorId: owner.id, name: `Sink ${label}` })).id;
  const share = await shareIntegration(db, { actorId: owner.id, integrationId: integration.id, teamId: target });
  const access = await grantResourceAccess(db, { actorId: owner.id, resourceId: resource.id, teamId: target, accessLevel: "READ" });
  const [event] = rowsOf<{ id: string }>(await db.execute(sql`select id from shared_db.integration_events where owner_team_id = ${team.id} limit 1`));
  return {
    teamId: team.id,
    owner,
    ownerRowId: ownerRow!.id,
    integrationId: integration.id,
    credentialId: credential.id,
    resourceId: resource.id,
    shareId: share.id,
    accessId: access.id,
    eventId: event!.id,
  };
}

/** Adds an accepted member with `role` to the team (service work) and returns the user. */
export async function addMember(
  db: Db,
  teamId: string,
  role: "OWNER" | "ADMIN" | "MEMBER" | "VIEWER",
  label = role.toLowerCase(),
): Promise<PublicUser> {
  const user = await makeUser(db, label);
  await db.insert(teamMembers).values({ teamId, userId: user.id, email: user.email, role, invitationStatus: "accepted" });
  return user;
}

/** Runs `fn` as `userId` under withRls. */
export const as = <T>(db: Db, userId: string, fn: (tx: Tx) => Promise<T>) => withRls(db, { userId }, fn);
