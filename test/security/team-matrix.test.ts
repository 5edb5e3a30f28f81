// Write authority over teams and the integration framework (issue 16): every table × {owner,
// admin, member, viewer, other team, no context} × insert/update/delete, with forged ids, forged
// tenant keys (team ids) and forged role/status values, as raw SQL on the tx inside withRls.
// A statement a role may run is rolled back after it succeeds; one it may not must fail or touch
// no row, and leave the table as the service sees it unchanged.
import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type Tx } from "../../src/db";
import { pgErrorOf } from "../../src/errors";
import type { PublicUser } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { addMember, as, makeTeamWorld, sha256, state, withoutContext, type TeamWorld } from "./team-fixtures";

const t = useTestDb();

const ROLES = ["owner", "admin", "member", "viewer", "other", "none"] as const;
type Role = (typeof ROLES)[number];

// Team A is the target; "other" owns team B (A's integration is shared with B, and B's with
// nobody in A). owner2 is a second OWNER of A, so owner rules are tested without the last-owner rule.
let a: TeamWorld;
let b: TeamWorld;
let users: Record<Exclude<Role, "none">, PublicUser>;
let owner2: PublicUser;
let outsider: PublicUser;
let memberRowId: string;
let pendingOwnerInvite: string;
let pendingMemberInvite: string;

beforeAll(async () => {
  b = await makeTeamWorld(t.db, "b");
  a = await makeTeamWorld(t.db, "a", b.teamId);
  users = {
    owner: a.owner,
    admin: await addMember(t.db, a.teamId, "ADMIN"),
    member: await addMember(t.db, a.teamId, "MEMBER"),
    viewer: await addMember(t.db, a.teamId, "VIEWER"),
    other: b.owner,
  };
  owner2 = await addMember(t.db, a.teamId, "OWNER", "owner2");
  outsider = await makeUser(t.db, "outsider");
  const one = async (q: SQL) => rowsOf<{ id: string }>(await t.db.execute(q))[0]!.id;
  memberRowId = await one(sql`select id from shared_db.team_members where team_id = ${a.teamId} and user_id = ${users.member.id}`);
  pendingOwnerInvite =
    await one(sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token, invitation_expires_at)
    values (${a.teamId}, 'boss@example.test', 'OWNER', 'pending', ${sha256("secret")}, now() + interval '1 day') returning id`);
  pendingMemberInvite =
    await one(sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token, invitation_expires_at)
    values (${a.teamId}, 'hire@example.test', 'MEMBER', 'pending', ${sha256("hire")}, now() + interval '1 day') returning id`);
});

interface Case {
  table: string;
  name: string;
  /** The statement, built once the fixtures exist; `me` is the acting user's id (NULL without context). */
  statement: (me: string | null) => SQL;
  /** The roles that may run it. */
  allowed: readonly Role[];
}

const OWNER_ADMIN = ["owner", "admin"] as const;
const NOBODY = [] as const;
const uid = () => crypto.randomUUID();

const cases: Case[] = [
  // teams
  {
    table: "teams",
    name: "insert a team of one's own",
    allowed: ["owner", "admin", "member", "viewer", "other"],
    statement: (me) => sql`insert into shared_db.teams (name, slug, created_by_user_id) values ('mine', ${`mine-${uid()}`}, ${me})`,
  },
  {
    table: "teams",
    name: "insert a team forged as created by A's owner",
    allowed: ["owner"],
    statement: () => sql`insert into shared_db.teams (name, slug, created_by_user_id) values ('forged', ${`forged-${uid()}`}, ${a.owner.id})`,
  },
  {
    table: "teams",
    name: "insert a team of one's own with A's owner's email as creator (forged creator email)",
    allowed: ["owner"],
    statement: (me) =>
      sql`insert into shared_db.teams (name, slug, created_by_user_id, created_by_email) values ('mine', ${`mine-${uid()}`}, ${me}, ${a.owner.email})`,
  },
  {
    table: "teams",
    name: "re-attribute A to another creator (forged creator)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.teams set created_by_user_id = ${owner2.id} where id = ${a.teamId} returning id`,
  },
  {
    table: "teams",
    name: "insert a team with B's id (forged id)",
    allowed: NOBODY,
    statement: (me) => sql`insert into shared_db.teams (id, name, slug, created_by_user_id) values (${b.teamId}, 'x', ${`x-${uid()}`}, ${me})`,
  },
  {
    table: "teams",
    name: "rename A",
    allowed: OWNER_ADMIN,
    statement: () => sql`update shared_db.teams set name = 'renamed' where id = ${a.teamId} returning id`,
  },
  {
    table: "teams",
    name: "change A's id",
    allowed: NOBODY,
    statement: () => sql`update shared_db.teams set id = gen_random_uuid() where id = ${a.teamId} returning id`,
  },
  { table: "teams", name: "delete A", allowed: ["owner"], statement: () => sql`delete from shared_db.teams where id = ${a.teamId} returning id` },

  // team_members
  {
    table: "team_members",
    name: "insert an accepted MEMBER (membership without consent)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.team_members (team_id, user_id, email, role) values (${a.teamId}, ${outsider.id}, ${outsider.email}, 'MEMBER')`,
  },
  {
    table: "team_members",
    name: "insert an accepted OWNER (forged role)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.team_members (team_id, user_id, email, role) values (${a.teamId}, ${outsider.id}, ${outsider.email}, 'OWNER')`,
  },
  {
    table: "team_members",
    name: "insert oneself as accepted OWNER",
    allowed: NOBODY,
    statement: (me) =>
      sql`insert into shared_db.team_members (team_id, user_id, email, role) values (${a.teamId}, ${me}, 'me@example.test', 'OWNER')`,
  },
  {
    table: "team_members",
    name: "insert a pending MEMBER invitation",
    allowed: OWNER_ADMIN,
    statement: () =>
      sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token) values (${a.teamId}, 'x@example.test', 'MEMBER', 'pending', ${sha256(uid())})`,
  },
  {
    table: "team_members",
    name: "insert a pending invitation already holding a user (forged user)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.team_members (team_id, user_id, email, role, invitation_status) values (${a.teamId}, ${outsider.id}, ${outsider.email}, 'MEMBER', 'pending')`,
  },
  {
    table: "team_members",
    name: "insert a pending OWNER invitation",
    allowed: ["owner"],
    statement: () =>
      sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token) values (${a.teamId}, 'x@example.test', 'OWNER', 'pending', ${sha256(uid())})`,
  },
  {
    table: "team_members",
    name: "insert with the id of B's OWNER row (forged id)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.team_members (id, team_id, email, role, invitation_status) values (${b.ownerRowId}, ${a.teamId}, 'x@example.test', 'MEMBER', 'pending')`,
  },
  {
    table: "team_members",
    name: "insert an accepted member into B (forged team)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.team_members (team_id, user_id, email, role) values (${b.teamId}, ${outsider.id}, ${outsider.email}, 'MEMBER')`,
  },
  {
    table: "team_members",
    name: "raise a MEMBER to ADMIN",
    allowed: OWNER_ADMIN,
    statement: () => sql`update shared_db.team_members set role = 'ADMIN' where id = ${memberRowId} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "raise a MEMBER to OWNER",
    allowed: ["owner"],
    statement: () => sql`update shared_db.team_members set role = 'OWNER' where id = ${memberRowId} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "raise one's own row to OWNER",
    allowed: ["owner"],
    statement: (me) => sql`update shared_db.team_members set role = 'OWNER' where team_id = ${a.teamId} and user_id = ${me} returning id`,
  },
  {
    table: "team_members",
    name: "demote the second OWNER",
    allowed: ["owner"],
    statement: () => sql`update shared_db.team_members set role = 'ADMIN' where team_id = ${a.teamId} and user_id = ${owner2.id} returning id`,
  },
  {
    table: "team_members",
    name: "give the second OWNER's row to another user",
    allowed: NOBODY,
    statement: () =>
      sql`update shared_db.team_members set user_id = ${outsider.id} where team_id = ${a.teamId} and user_id = ${owner2.id} returning id`,
  },
  {
    table: "team_members",
    name: "set the second OWNER's user_id to NULL",
    allowed: NOBODY,
    statement: () => sql`update shared_db.team_members set user_id = NULL where team_id = ${a.teamId} and user_id = ${owner2.id} returning id`,
  },
  {
    table: "team_members",
    name: "re-key the pending OWNER invitation (forged token)",
    allowed: ["owner"],
    statement: () =>
      sql`update shared_db.team_members set invitation_token = ${sha256("known")} where id = ${pendingOwnerInvite} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "accept the pending OWNER invitation directly (forged status)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.team_members set invitation_status = 'accepted', user_id = ${outsider.id}
      where id = ${pendingOwnerInvite} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "accept the pending MEMBER invitation directly (forged status)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.team_members set invitation_status = 'accepted', user_id = ${outsider.id}
      where id = ${pendingMemberInvite} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "give the MEMBER's row to another user",
    allowed: NOBODY,
    statement: () => sql`update shared_db.team_members set user_id = ${outsider.id} where id = ${memberRowId} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "move a member row to B (forged team)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.team_members set team_id = ${b.teamId} where id = ${memberRowId} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "give a member row B's OWNER row id (forged id)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.team_members set id = ${b.ownerRowId} where id = ${memberRowId} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "delete the MEMBER row",
    allowed: ["owner", "admin", "member"],
    statement: () => sql`delete from shared_db.team_members where id = ${memberRowId} and team_id = ${a.teamId} returning id`,
  },
  {
    table: "team_members",
    name: "delete the second OWNER",
    allowed: ["owner"],
    statement: () => sql`delete from shared_db.team_members where team_id = ${a.teamId} and user_id = ${owner2.id} returning id`,
  },

  // integrations
  {
    table: "integrations",
    name: "insert one into A",
    allowed: OWNER_ADMIN,
    statement: (me) =>
      sql`insert into shared_db.integrations (name, service_type, owner_team_id, created_by_user_id) values ('new', 'GITHUB', ${a.teamId}, ${me})`,
  },
  {
    table: "integrations",
    name: "insert one into A as created by A's owner (forged creator)",
    allowed: ["owner"],
    statement: () =>
      sql`insert into shared_db.integrations (name, service_type, owner_team_id, created_by_user_id) values ('new', 'GITHUB', ${a.teamId}, ${a.owner.id})`,
  },
  {
    table: "integrations",
    name: "re-attribute A's to another creator (forged creator)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.integrations set created_by_user_id = ${owner2.id} where id = ${a.integrationId} returning id`,
  },
  {
    table: "integrations",
    name: "claim A's as its creator (a no-op for its creator)",
    allowed: ["owner"],
    statement: (me) => sql`update shared_db.integrations set created_by_user_id = ${me} where id = ${a.integrationId} returning id`,
  },
  {
    table: "integrations",
    name: "insert one into A with B's integration id (forged id)",
    allowed: NOBODY,
    statement: (me) =>
      sql`insert into shared_db.integrations (id, name, service_type, owner_team_id, created_by_user_id) values (${b.integrationId}, 'decoy', 'GITHUB', ${a.teamId}, ${me})`,
  },
  {
    table: "integrations",
    name: "insert one into B (forged team)",
    allowed: ["other"],
    statement: (me) =>
      sql`insert into shared_db.integrations (name, service_type, owner_team_id, created_by_user_id) values ('new', 'GITHUB', ${b.teamId}, ${me})`,
  },
  {
    table: "integrations",
    name: "rename A's",
    allowed: OWNER_ADMIN,
    statement: () =>
      sql`update shared_db.integrations set name = 'renamed' where id = ${a.integrationId} and owner_team_id = ${a.teamId} returning id`,
  },
  {
    table: "integrations",
    name: "set A's status to REVOKED (status)",
    allowed: OWNER_ADMIN,
    statement: () => sql`update shared_db.integrations set status = 'REVOKED' where id = ${a.integrationId} returning id`,
  },
  {
    table: "integrations",
    name: "move A's to B (forged team)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.integrations set owner_team_id = ${b.teamId} where id = ${a.integrationId} returning id`,
  },
  {
    table: "integrations",
    name: "give A's B's id (forged id)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.integrations set id = ${b.integrationId} where id = ${a.integrationId} returning id`,
  },
  {
    table: "integrations",
    name: "delete A's",
    allowed: OWNER_ADMIN,
    statement: () => sql`delete from shared_db.integrations where id = ${a.integrationId} returning id`,
  },

  // integration_credentials
  {
    table: "integration_credentials",
    name: "insert one for A's integration",
    allowed: OWNER_ADMIN,
    statement: () =>
      sql`insert into shared_db.integration_credentials (integration_id, owner_team_id, credential_type, encrypted_value) values (${a.integrationId}, ${a.teamId}, 'API_KEY', 'x')`,
  },
  {
    table: "integration_credentials",
    name: "insert one with B's credential id (forged id)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.integration_credentials (id, integration_id, owner_team_id, credential_type, encrypted_value) values (${b.credentialId}, ${a.integrationId}, ${a.teamId}, 'API_KEY', 'x')`,
  },
  {
    table: "integration_credentials",
    name: "insert one for B's integration under A (forged team)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.integration_credentials (integration_id, owner_team_id, credential_type, encrypted_value) values (${b.integrationId}, ${a.teamId}, 'API_KEY', 'x')`,
  },
  {
    table: "integration_credentials",
    name: "overwrite A's value",
    allowed: OWNER_ADMIN,
    statement: () => sql`update shared_db.integration_credentials set encrypted_value = 'x' where id = ${a.credentialId} returning id`,
  },
  {
    table: "integration_credentials",
    name: "move A's to B (forged team)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.integration_credentials set owner_team_id = ${b.teamId} where id = ${a.credentialId} returning id`,
  },
  {
    table: "integration_credentials",
    name: "delete A's",
    allowed: OWNER_ADMIN,
    statement: () => sql`delete from shared_db.integration_credentials where id = ${a.credentialId} returning id`,
  },

  // service_resources
  {
    table: "service_resources",
    name: "insert one for A's integration",
    allowed: OWNER_ADMIN,
    statement: () =>
      sql`insert into shared_db.service_resources (integration_id, owner_team_id, resource_type, external_id) values (${a.integrationId}, ${a.teamId}, 'SLACK_CHANNEL', 'C-new')`,
  },
  {
    table: "service_resources",
    name: "insert one with B's resource id (forged id)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.service_resources (id, integration_id, owner_team_id, resource_type, external_id) values (${b.resourceId}, ${a.integrationId}, ${a.teamId}, 'SLACK_CHANNEL', 'C-new')`,
  },
  {
    table: "service_resources",
    name: "insert one for B's integration under A (forged team)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.service_resources (integration_id, owner_team_id, resource_type, external_id) values (${b.integrationId}, ${a.teamId}, 'SLACK_CHANNEL', 'C-new')`,
  },
  {
    table: "service_resources",
    name: "rename A's",
    allowed: OWNER_ADMIN,
    statement: () => sql`update shared_db.service_resources set name = 'x' where id = ${a.resourceId} returning id`,
  },
  {
    table: "service_resources",
    name: "move A's to B (forged team)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.service_resources set owner_team_id = ${b.teamId} where id = ${a.resourceId} returning id`,
  },
  {
    table: "service_resources",
    name: "delete A's",
    allowed: OWNER_ADMIN,
    statement: () => sql`delete from shared_db.service_resources where id = ${a.resourceId} returning id`,
  },

  // integration_shares (A's integration is shared with B)
  {
    table: "integration_shares",
    name: "share A's integration with a third team",
    allowed: OWNER_ADMIN,
    statement: (me) =>
      sql`insert into shared_db.integration_shares (integration_id, owner_team_id, team_id, share_level, shared_by_user_id) values (${a.integrationId}, ${a.teamId}, ${outsiderTeam()}, 'READ_ONLY', ${me})`,
  },
  {
    table: "integration_shares",
    name: "share A's integration as shared by A's owner (forged sharer)",
    allowed: ["owner"],
    statement: () =>
      sql`insert into shared_db.integration_shares (integration_id, owner_team_id, team_id, share_level, shared_by_user_id) values (${a.integrationId}, ${a.teamId}, ${outsiderTeam()}, 'READ_ONLY', ${a.owner.id})`,
  },
  {
    table: "integration_shares",
    name: "re-attribute the share with B to A's second owner (forged sharer)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.integration_shares set shared_by_user_id = ${owner2.id} where id = ${a.shareId} returning id`,
  },
  {
    table: "integration_shares",
    name: "share B's integration with A (forged owner)",
    allowed: ["other"],
    statement: (me) =>
      sql`insert into shared_db.integration_shares (integration_id, owner_team_id, team_id, share_level, shared_by_user_id) values (${b.integrationId}, ${b.teamId}, ${a.teamId}, 'FULL_ACCESS', ${me})`,
  },
  {
    table: "integration_shares",
    name: "share B's integration id under A (forged pair)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.integration_shares (integration_id, owner_team_id, team_id, share_level) values (${b.integrationId}, ${a.teamId}, ${a.teamId}, 'FULL_ACCESS')`,
  },
  {
    table: "integration_shares",
    name: "insert one with B's share id (forged id)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.integration_shares (id, integration_id, owner_team_id, team_id, share_level) values (${b.shareId}, ${a.integrationId}, ${a.teamId}, ${outsiderTeam()}, 'READ_ONLY')`,
  },
  {
    table: "integration_shares",
    name: "raise the share with B to FULL_ACCESS",
    allowed: OWNER_ADMIN,
    statement: () => sql`update shared_db.integration_shares set share_level = 'FULL_ACCESS' where id = ${a.shareId} returning id`,
  },
  {
    table: "integration_shares",
    name: "revoke the share with B (status)",
    allowed: OWNER_ADMIN,
    statement: () => sql`update shared_db.integration_shares set status = 'revoked', revoked_at = now() where id = ${a.shareId} returning id`,
  },
  {
    table: "integration_shares",
    name: "move the share to B's tenant (forged team)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.integration_shares set owner_team_id = ${b.teamId} where id = ${a.shareId} returning id`,
  },
  {
    table: "integration_shares",
    name: "delete the share with B",
    allowed: OWNER_ADMIN,
    statement: () => sql`delete from shared_db.integration_shares where id = ${a.shareId} returning id`,
  },

  // resource_access (A's resource is granted to B)
  {
    table: "resource_access",
    name: "grant A's resource to a third team",
    allowed: OWNER_ADMIN,
    statement: (me) =>
      sql`insert into shared_db.resource_access (resource_id, owner_team_id, team_id, access_level, granted_by_user_id) values (${a.resourceId}, ${a.teamId}, ${outsiderTeam()}, 'READ', ${me})`,
  },
  {
    table: "resource_access",
    name: "grant A's resource as granted by A's owner (forged granter)",
    allowed: ["owner"],
    statement: () =>
      sql`insert into shared_db.resource_access (resource_id, owner_team_id, team_id, access_level, granted_by_user_id) values (${a.resourceId}, ${a.teamId}, ${outsiderTeam()}, 'READ', ${a.owner.id})`,
  },
  {
    table: "resource_access",
    name: "re-attribute B's grant to A's second owner (forged granter)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.resource_access set granted_by_user_id = ${owner2.id} where id = ${a.accessId} returning id`,
  },
  {
    table: "resource_access",
    name: "grant B's resource id under A (forged pair)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.resource_access (resource_id, owner_team_id, team_id, access_level) values (${b.resourceId}, ${a.teamId}, ${a.teamId}, 'ADMIN')`,
  },
  {
    table: "resource_access",
    name: "insert one with B's grant id (forged id)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.resource_access (id, resource_id, owner_team_id, team_id, access_level) values (${b.accessId}, ${a.resourceId}, ${a.teamId}, ${outsiderTeam()}, 'READ')`,
  },
  {
    table: "resource_access",
    name: "raise B's grant to ADMIN (forged level)",
    allowed: OWNER_ADMIN,
    statement: () => sql`update shared_db.resource_access set access_level = 'ADMIN' where id = ${a.accessId} returning id`,
  },
  {
    table: "resource_access",
    name: "move the grant to B's tenant (forged team)",
    allowed: NOBODY,
    statement: () => sql`update shared_db.resource_access set owner_team_id = ${b.teamId} where id = ${a.accessId} returning id`,
  },
  {
    table: "resource_access",
    name: "delete the grant to B",
    allowed: OWNER_ADMIN,
    statement: () => sql`delete from shared_db.resource_access where id = ${a.accessId} returning id`,
  },

  // integration_events: appended by ADMIN/OWNER as themselves, never changed
  {
    table: "integration_events",
    name: "append one as oneself",
    allowed: OWNER_ADMIN,
    statement: (me) =>
      sql`insert into shared_db.integration_events (integration_id, owner_team_id, event_type, actor_user_id) values (${a.integrationId}, ${a.teamId}, 'USED', ${me})`,
  },
  {
    table: "integration_events",
    name: "append one as another user (forged actor)",
    allowed: NOBODY,
    statement: () =>
      sql`insert into shared_db.integration_events (integration_id, owner_team_id, event_type, actor_user_id) values (${a.integrationId}, ${a.teamId}, 'USED', ${owner2.id})`,
  },
  {
    table: "integration_events",
    name: "append one about B, which A's integration is shared with",
    allowed: OWNER_ADMIN,
    statement: (me) =>
      sql`insert into shared_db.integration_events (integration_id, owner_team_id, event_type, actor_user_id, affected_team_id) values (${a.integrationId}, ${a.teamId}, 'UPDATED', ${me}, ${b.teamId})`,
  },
  {
    table: "integration_events",
    name: "append one about an unrelated team (forged affected team)",
    allowed: NOBODY,
    statement: (me) =>
      sql`insert into shared_db.integration_events (integration_id, owner_team_id, event_type, actor_user_id, affected_team_id) values (${a.integrationId}, ${a.teamId}, 'UPDATED', ${me}, ${outsiderTeam()})`,
  },
  {
    table: "integration_events",
    name: "append one with B's event id (forged id)",
    allowed: NOBODY,
    statement: (me) =>
      sql`insert into shared_db.integration_events (id, integration_id, owner_team_id, event_type, actor_user_id) values (${b.eventId}, ${a.integrationId}, ${a.teamId}, 'USED', ${me})`,
  },
  {
    table: "integration_events",
    name: "append one to B's integration",
    allowed: ["other"],
    statement: (me) =>
      sql`insert into shared_db.integration_events (integration_id, owner_team_id, event_type, actor_user_id) values (${b.integrationId}, ${b.teamId}, 'USED', ${me})`,
  },
  {
    table: "integration_events",
    name: "rewrite A's event",
    allowed: NOBODY,
    statement: () => sql`update shared_db.integration_events set event_type = 'CREATED' where id = ${a.eventId} returning id`,
  },
  {
    table: "integration_events",
    name: "delete A's event",
    allowed: NOBODY,
    statement: () => sql`delete from shared_db.integration_events where id = ${a.eventId} returning id`,
  },
];

// A team none of the roles belongs to, to share and grant to.
let thirdTeam = "";
const outsiderTeam = () => thirdTeam;
beforeAll(async () => {
  thirdTeam = (await makeTeamWorld(t.db, "third")).teamId;
});

const dialect = new PgDialect();

/** Rolls back a statement that went through, so each case starts from the same state. */
class Done extends Error {}

/** "done" when the statement went through (an insert, or an update/delete that touched a row); otherwise why not. */
async function attempt(role: Role, statement: (me: string | null) => SQL): Promise<string> {
  // The statement's own error, not the aborted transaction's that follows it.
  let first: unknown;
  const run = async (tx: Tx, me: string | null) => {
    let rows: unknown[];
    try {
      rows = rowsOf(await tx.execute(statement(me)));
    } catch (e) {
      first = e;
      throw e;
    }
    // An insert that did not fail went through; an update or delete must have touched a row.
    const touched = /^\s*insert/i.test(dialect.sqlToQuery(statement(me)).sql) || rows.length > 0;
    if (touched) throw new Done();
    return "refused (no row)";
  };
  try {
    return role === "none" ? await withoutContext(t.db, (tx) => run(tx, null)) : await as(t.db, users[role].id, (tx) => run(tx, users[role].id));
  } catch (e) {
    if (e instanceof Done) return "done";
    return `refused ${pgErrorOf(first ?? e)?.code ?? (e as Error).message}`;
  }
}

describe("write authority matrix: teams and integrations", () => {
  it.each(cases.map((c) => [`${c.table}: ${c.name}`, c] as const))("%s", async (_label, c) => {
    const outcomes: Record<string, string> = {};
    const wrong: string[] = [];
    for (const role of ROLES) {
      const before = await state(t.db, c.table);
      const outcome = await attempt(role, c.statement);
      outcomes[role] = outcome;
      const may = c.allowed.includes(role);
      if (may !== (outcome === "done")) wrong.push(`${role}: ${outcome} (expected ${may ? "done" : "refused"})`);
      // Refused or rolled back: either way the table is as it was.
      expect(await state(t.db, c.table), `${role} changed ${c.table}`).toEqual(before);
    }
    expect(wrong, JSON.stringify(outcomes)).toEqual([]);
  });
});
