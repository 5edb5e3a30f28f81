// Issue 27, item 7 (membership without consent, events in an unrelated team's history) and issue
// 34, item 7 (forged attribution). Each attack is written as the attacker did it: raw SQL on the
// tx inside withRls, or the exported functions with another user as actorId. Each asserts the
// refusal and that the tables, re-read as service, are unchanged.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { rowsOf } from "../../src/db";
import { ForbiddenError } from "../../src/errors";
import {
  acceptInvitation,
  createTeam,
  grantResourceAccess,
  inviteMember,
  listIntegrationEvents,
  listMyTeams,
  revokeResourceAccess,
  revokeShare,
  shareIntegration,
  type PublicUser,
} from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { addMember, as, makeTeamWorld, refusal, state, type TeamWorld } from "./team-fixtures";

const t = useTestDb();

// Team A: its OWNER, a second OWNER, an ADMIN (the attacker). C: holds an ADMIN grant on A's
// resource. D and "unrelated": teams A's integration has nothing to do with.
let a: TeamWorld;
let owner2: PublicUser;
let admin: PublicUser;
let victim: PublicUser;
let c: TeamWorld;
let d: TeamWorld;
let unrelated: TeamWorld;

beforeAll(async () => {
  a = await makeTeamWorld(t.db, "a");
  owner2 = await addMember(t.db, a.teamId, "OWNER", "owner2");
  admin = await addMember(t.db, a.teamId, "ADMIN", "attacker");
  victim = await makeUser(t.db, "victim");
  c = await makeTeamWorld(t.db, "c");
  d = await makeTeamWorld(t.db, "d");
  unrelated = await makeTeamWorld(t.db, "unrelated");
  await grantResourceAccess(t.db, { actorId: a.owner.id, resourceId: a.resourceId, teamId: c.teamId, accessLevel: "ADMIN" });
});

/** Runs each statement as `user`, expects each refused with 42501, and `tables` unchanged. */
async function refusedAll(user: PublicUser, tables: string[], statements: ReturnType<typeof sql>[]) {
  const before = await Promise.all(tables.map((n) => state(t.db, n)));
  for (const [i, q] of statements.entries()) expect(await refusal(as(t.db, user.id, (tx) => tx.execute(q))), `statement ${i}`).toBe("42501");
  expect(await Promise.all(tables.map((n) => state(t.db, n)))).toEqual(before);
}

describe("membership without consent (issue 27, item 7)", () => {
  it("an ADMIN cannot insert an accepted row for a user who never accepted, in any shape", async () => {
    await refusedAll(
      admin,
      ["team_members"],
      [
        sql`insert into shared_db.team_members (team_id, user_id, email, role, invitation_status) values (${a.teamId}, ${victim.id}, ${victim.email}, 'ADMIN', 'accepted')`,
        // invitation_status defaults to 'accepted'
        sql`insert into shared_db.team_members (team_id, user_id, email, role) values (${a.teamId}, ${victim.id}, ${victim.email}, 'MEMBER')`,
        // a "pending" row that already names its user
        sql`insert into shared_db.team_members (team_id, user_id, email, role, invitation_status) values (${a.teamId}, ${victim.id}, ${victim.email}, 'MEMBER', 'pending')`,
      ],
    );
    expect(await listMyTeams(t.db, { userId: victim.id })).toEqual([]);
  });

  it("an ADMIN cannot turn an invitation, or another member's row, into the victim's membership", async () => {
    const { invitation } = await as(t.db, admin.id, (tx) =>
      inviteMember(tx, { teamId: a.teamId, actorId: admin.id, email: "someone@example.test", role: "ADMIN" }),
    );
    const member = await addMember(t.db, a.teamId, "MEMBER");
    await refusedAll(
      admin,
      ["team_members"],
      [
        sql`update shared_db.team_members set invitation_status = 'accepted', user_id = ${victim.id} where id = ${invitation.id} and team_id = ${a.teamId}`,
        sql`update shared_db.team_members set user_id = ${victim.id} where id = ${invitation.id} and team_id = ${a.teamId}`,
        sql`update shared_db.team_members set invitation_status = 'accepted' where id = ${invitation.id} and team_id = ${a.teamId}`,
        sql`update shared_db.team_members set user_id = ${victim.id} where team_id = ${a.teamId} and user_id = ${member.id}`,
      ],
    );
    expect(await listMyTeams(t.db, { userId: victim.id })).toEqual([]);
  });

  it("the creator still claims a new team, service work still adds members, and an invited user still joins", async () => {
    const creator = await makeUser(t.db, "creator");
    const team = await withRls(t.db, { userId: creator.id }, (tx) => createTeam(tx, { actorId: creator.id, name: "Claimed" }));
    const joiner = await addMember(t.db, team.id, "MEMBER", "joiner");
    const invited = await makeUser(t.db, "invited");
    const { token } = await as(t.db, creator.id, (tx) => inviteMember(tx, { teamId: team.id, actorId: creator.id, email: invited.email }));
    await as(t.db, invited.id, (tx) => acceptInvitation(tx, { teamId: team.id, token, userId: invited.id }));
    for (const [u, role] of [
      [creator, "OWNER"],
      [joiner, "MEMBER"],
      [invited, "MEMBER"],
    ] as const) {
      expect((await listMyTeams(t.db, { userId: u.id })).map((x) => [x.id, x.role])).toEqual([[team.id, role]]);
    }
  });
});

describe("events in an unrelated team's history (issue 27, item 7)", () => {
  const eventsAbout = async (teamId: string) =>
    rowsOf(await t.db.execute(sql`select id from shared_db.integration_events where affected_team_id = ${teamId}`)).length;

  it("an ADMIN of A cannot record an event about a team A's integration has nothing to do with", async () => {
    await refusedAll(
      admin,
      ["integration_events"],
      [
        sql`insert into shared_db.integration_events (integration_id, owner_team_id, event_type, actor_user_id, affected_team_id)
        values (${a.integrationId}, ${a.teamId}, 'SHARED', ${admin.id}, ${unrelated.teamId})`,
        sql`insert into shared_db.integration_events (integration_id, owner_team_id, event_type, actor_user_id, affected_team_id, details)
        values (${a.integrationId}, ${a.teamId}, 'ACCESS_GRANTED', ${admin.id}, ${unrelated.teamId}, '{"note":"you were granted access"}')`,
      ],
    );
    expect(await eventsAbout(unrelated.teamId)).toBe(0);
    // What the unrelated team's members see: nothing of A's integration.
    const seen = await as(t.db, unrelated.owner.id, (tx) =>
      tx.execute(sql`select id from shared_db.integration_events where owner_team_id = ${a.teamId}`),
    );
    expect(rowsOf(seen)).toEqual([]);
  });

  it("sharing, granting and revoking still record their events about the team concerned", async () => {
    await as(t.db, admin.id, async (tx) => {
      await shareIntegration(tx, { actorId: admin.id, integrationId: a.integrationId, teamId: d.teamId });
      await revokeShare(tx, { actorId: admin.id, integrationId: a.integrationId, teamId: d.teamId });
      await grantResourceAccess(tx, { actorId: admin.id, resourceId: a.resourceId, teamId: unrelated.teamId, accessLevel: "READ" });
      await revokeResourceAccess(tx, { actorId: admin.id, resourceId: a.resourceId, teamId: unrelated.teamId });
    });
    const events = await as(t.db, admin.id, (tx) => listIntegrationEvents(tx, { integrationId: a.integrationId, ownerTeamId: a.teamId }));
    const about = (teamId: string) =>
      events
        .filter((e) => e.affectedTeamId === teamId)
        .map((e) => e.eventType)
        .sort();
    expect(about(d.teamId)).toEqual(["SHARED", "SHARE_REVOKED"]);
    expect(about(unrelated.teamId)).toEqual(["ACCESS_CHANGED", "ACCESS_GRANTED"]);
  });
});

describe("forged attribution (issue 34, item 7)", () => {
  const tables = ["teams", "integrations", "integration_shares", "resource_access"];

  it("a team holding an ADMIN grant on A's resource cannot record a grant as made by A's OWNER (or by nobody)", async () => {
    const grant = (by: string | null) =>
      sql`insert into shared_db.resource_access (resource_id, owner_team_id, team_id, access_level, granted_by_user_id)
        values (${a.resourceId}, ${a.teamId}, ${d.teamId}, 'READ', ${by})`;
    await refusedAll(c.owner, tables, [grant(a.owner.id), grant(null)]);
    // As itself, the grant goes through (rolled back by the error thrown after it).
    class RolledBack extends Error {
      override name = "RolledBack";
    }
    const own = as(t.db, c.owner.id, async (tx) => {
      await tx.execute(grant(c.owner.id));
      throw new RolledBack();
    });
    expect(await refusal(own)).toBe("RolledBack");
  });

  it("an ADMIN of A cannot record a share or grant as made by A's OWNER, raw or through the stores, nor re-attribute one", async () => {
    await refusedAll(admin, tables, [
      sql`insert into shared_db.integration_shares (integration_id, owner_team_id, team_id, share_level, shared_by_user_id)
        values (${a.integrationId}, ${a.teamId}, ${d.teamId}, 'FULL_ACCESS', ${a.owner.id})`,
      sql`update shared_db.integration_shares set shared_by_user_id = ${owner2.id} where id = ${a.shareId} and owner_team_id = ${a.teamId}`,
      sql`update shared_db.resource_access set granted_by_user_id = ${owner2.id} where id = ${a.accessId} and owner_team_id = ${a.teamId}`,
    ]);
    const before = await Promise.all(tables.map((n) => state(t.db, n)));
    // The stores take actorId from the caller: under withRls it must be the signed-in user.
    await expect(
      as(t.db, admin.id, (tx) => shareIntegration(tx, { actorId: a.owner.id, integrationId: a.integrationId, teamId: d.teamId })),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      as(t.db, admin.id, (tx) => grantResourceAccess(tx, { actorId: a.owner.id, resourceId: a.resourceId, teamId: d.teamId, accessLevel: "WRITE" })),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(await Promise.all(tables.map((n) => state(t.db, n)))).toEqual(before);
  });

  it("an ADMIN of A cannot record an integration or a team as created by someone else, nor change who created one", async () => {
    await refusedAll(admin, tables, [
      sql`insert into shared_db.integrations (name, service_type, owner_team_id, created_by_user_id) values ('forged', 'NOTION', ${a.teamId}, ${a.owner.id})`,
      sql`update shared_db.integrations set created_by_user_id = ${admin.id} where id = ${a.integrationId} and owner_team_id = ${a.teamId}`,
      sql`update shared_db.teams set created_by_user_id = ${admin.id} where id = ${a.teamId}`,
      sql`update shared_db.teams set created_by_email = ${admin.email} where id = ${a.teamId}`,
      sql`insert into shared_db.teams (name, slug, created_by_user_id, created_by_email) values ('mine', 'forged-email-team', ${admin.id}, ${a.owner.email})`,
    ]);
  });
});
