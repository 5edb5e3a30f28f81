// Issue 16, items 3 and 4: ids chosen by the application role, and team roles in the database.
// Each attack is written as the attacker would do it: raw SQL on the tx inside withRls (what a
// PostgREST client or careless application code has), or the repository functions with forged
// ids. Each asserts the refusal and that the state, re-read as service, is unchanged.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db";
import { ForbiddenError, InvariantError } from "../../src/errors";
import { acceptInvitation, changeMemberRole, listIntegrationsForUser, revealCredential, type PublicUser } from "../../src/stores";
import { createDb } from "../../src";
import { makeUser, onServer, serverOnly, useTestDb } from "../support/db";
import { addMember, as, keyring, makeTeamWorld, refusal, sha256, state, withoutContext, type TeamWorld } from "./team-fixtures";

const t = useTestDb();

// Team A: the attacker is its ADMIN and has a second account. Team B: the victim.
let a: TeamWorld;
let b: TeamWorld;
let attacker: PublicUser;
let alt: PublicUser;

beforeAll(async () => {
  b = await makeTeamWorld(t.db, "victim");
  a = await makeTeamWorld(t.db, "attacker");
  attacker = await addMember(t.db, a.teamId, "ADMIN", "attacker");
  alt = await makeUser(t.db, "alt");
});

const ownerOf = async (teamId: string) =>
  rowsOf<{ user_id: string }>(
    await t.db.execute(
      sql`select user_id from shared_db.team_members where team_id = ${teamId} and role = 'OWNER' and invitation_status = 'accepted' order by user_id`,
    ),
  ).map((r) => r.user_id);

describe("ids chosen by the application role (item 3)", () => {
  it("team takeover: an invitation in A with the id of B's OWNER row is refused, so accepting it cannot replace B's owner", async () => {
    const [before, ownersBefore] = [await state(t.db, "team_members"), await ownerOf(b.teamId)];
    const token = randomBytes(16).toString("hex");
    const code = await refusal(
      as(t.db, attacker.id, (tx) =>
        tx.execute(sql`insert into shared_db.team_members (id, team_id, email, role, invitation_status, invitation_token, invitation_expires_at)
          values (${b.ownerRowId}, ${a.teamId}, ${alt.email}, 'MEMBER', 'pending', ${sha256(token)}, now() + interval '1 day')`),
      ),
    );
    expect(code).toBe("23505");
    await expect(as(t.db, alt.id, (tx) => acceptInvitation(tx, { teamId: a.teamId, token, userId: alt.id }))).rejects.toMatchObject({
      code: "invariant",
      rule: "invalid_invitation",
    });
    expect(await ownerOf(b.teamId)).toEqual(ownersBefore);
    expect(ownersBefore).toEqual([b.owner.id]);
    expect(await state(t.db, "team_members")).toEqual(before);
  });

  it("team takeover by renaming: a pending invitation of A cannot take the id of B's OWNER row, or move to B", async () => {
    const token = randomBytes(16).toString("hex");
    const [invite] = rowsOf<{ id: string }>(
      await as(t.db, attacker.id, (tx) =>
        tx.execute(sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token, invitation_expires_at)
          values (${a.teamId}, ${alt.email}, 'MEMBER', 'pending', ${sha256(token)}, now() + interval '1 day') returning id`),
      ),
    );
    const before = await state(t.db, "team_members");
    for (const change of [sql`id = ${b.ownerRowId}`, sql`team_id = ${b.teamId}`]) {
      expect(
        await refusal(as(t.db, attacker.id, (tx) => tx.execute(sql`update shared_db.team_members set ${change} where id = ${invite!.id}`))),
      ).toBe("42501");
    }
    expect(await state(t.db, "team_members")).toEqual(before);
    expect(await ownerOf(b.teamId)).toEqual([b.owner.id]);
  });

  it("an integration in A with B's integration id is refused, and B's integration, resources and secret stay out of A's reach", async () => {
    const before = await Promise.all(["integrations", "integration_shares", "service_resources"].map((n) => state(t.db, n)));
    const code = await refusal(
      as(t.db, attacker.id, (tx) =>
        tx.execute(sql`insert into shared_db.integrations (id, name, service_type, owner_team_id, created_by_user_id)
          values (${b.integrationId}, 'decoy', 'SLACK', ${a.teamId}, ${attacker.id})`),
      ),
    );
    expect(code).toBe("23505");
    // Sharing "it" with A names a pair (B's id, team A) that does not exist.
    expect(
      await refusal(
        as(t.db, attacker.id, (tx) =>
          tx.execute(sql`insert into shared_db.integration_shares (integration_id, owner_team_id, team_id, share_level, shared_by_user_id)
            values (${b.integrationId}, ${a.teamId}, ${a.teamId}, 'FULL_ACCESS', ${attacker.id})`),
        ),
      ),
    ).toBe("23503");
    expect(await Promise.all(["integrations", "integration_shares", "service_resources"].map((n) => state(t.db, n)))).toEqual(before);
    const seen = await as(t.db, attacker.id, (tx) =>
      tx.execute(sql`select id, owner_team_id from shared_db.integrations where id = ${b.integrationId}`),
    );
    expect(rowsOf(seen)).toEqual([]);
    expect((await listIntegrationsForUser(t.db, { userId: attacker.id })).map((i) => i.id)).not.toContain(b.integrationId);
    await expect(
      revealCredential(t.db, { keyring, actorId: attacker.id, integrationId: b.integrationId, credentialType: "BOT_TOKEN" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a collision that predates the guard stays harmless: policies, listings and revealCredential match (id, team) pairs", async () => {
    // As if written before migration 0017: A's decoy with B's integration id, shared with A.
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`alter table shared_db.integrations disable trigger integrations_tenant_row_guard`);
      await tx.execute(sql`insert into shared_db.integrations (id, name, service_type, owner_team_id, created_by_user_id)
        values (${b.integrationId}, 'decoy', 'GITHUB', ${a.teamId}, ${attacker.id})`);
      await tx.execute(sql`alter table shared_db.integrations enable trigger integrations_tenant_row_guard`);
    });
    await t.db.execute(sql`insert into shared_db.integration_shares (integration_id, owner_team_id, team_id, share_level)
      values (${b.integrationId}, ${a.teamId}, ${a.teamId}, 'FULL_ACCESS')`);
    try {
      const seen = rowsOf<{ owner_team_id: string }>(
        await as(t.db, attacker.id, (tx) => tx.execute(sql`select owner_team_id from shared_db.integrations where id = ${b.integrationId}`)),
      );
      expect(seen.map((r) => r.owner_team_id)).toEqual([a.teamId]);
      const resources = await as(t.db, attacker.id, (tx) => tx.execute(sql`select id from shared_db.service_resources where id = ${b.resourceId}`));
      expect(rowsOf(resources)).toEqual([]);
      const listed = (await listIntegrationsForUser(t.db, { userId: attacker.id })).filter((i) => i.id === b.integrationId);
      expect(listed.map((i) => i.ownerTeamId)).toEqual([a.teamId]);
      // Service path with the forged id: A's decoy has no credential; B's secret is not returned.
      expect(
        await revealCredential(t.db, { keyring, actorId: attacker.id, integrationId: b.integrationId, credentialType: "BOT_TOKEN" }),
      ).toBeUndefined();
      expect(
        await revealCredential(t.db, { keyring, actorId: b.owner.id, integrationId: b.integrationId, credentialType: "BOT_TOKEN" }),
      ).toMatchObject({
        value: "xoxb-victim-secret",
      });
    } finally {
      await t.db.execute(sql`delete from shared_db.integrations where id = ${b.integrationId} and owner_team_id = ${a.teamId}`);
    }
  });

  it.skipIf(!onServer)(`two teams racing to insert the same integration id: exactly one gets it${serverOnly}`, async () => {
    const pools = [await createDb({ url: t.url }), await createDb({ url: t.url })];
    try {
      for (let round = 0; round < 5; round++) {
        const id = crypto.randomUUID();
        const results = await Promise.allSettled(
          [a, b].map((w, i) =>
            pools[i]!.db.transaction(async (tx) => {
              await tx.execute(
                sql`insert into shared_db.integrations (id, name, service_type, owner_team_id, workspace_id) values (${id}, 'race', 'NOTION', ${w.teamId}, ${id})`,
              );
              await tx.execute(sql`select pg_sleep(0.05)`);
            }),
          ),
        );
        expect(
          results.filter((r) => r.status === "fulfilled"),
          JSON.stringify(results.map((r) => (r.status === "rejected" ? String(r.reason?.cause ?? r.reason) : "ok"))),
        ).toHaveLength(1);
        expect(rowsOf(await t.db.execute(sql`select owner_team_id from shared_db.integrations where id = ${id}`))).toHaveLength(1);
      }
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });

  it("the application role cannot move an integration or its children to another id or team", async () => {
    const tables = ["integrations", "integration_credentials", "service_resources", "integration_shares", "resource_access"];
    const before = await Promise.all(tables.map((n) => state(t.db, n)));
    for (const table of tables) {
      // A credential may take a fresh id within its team (its replacement is re-encrypted under a new
      // id), never a taken one; no row may move to another team.
      const changes =
        table === "integration_credentials" ? [sql`owner_team_id = ${b.teamId}`] : [sql`id = gen_random_uuid()`, sql`owner_team_id = ${b.teamId}`];
      for (const change of changes) {
        const code = await refusal(
          as(t.db, attacker.id, (tx) =>
            tx.execute(sql`update ${sql.identifier("shared_db")}.${sql.identifier(table)} set ${change} where owner_team_id = ${a.teamId}`),
          ),
        );
        expect(code, `${table}`).toBe("42501");
      }
    }
    expect(await Promise.all(tables.map((n) => state(t.db, n)))).toEqual(before);
  });
});

describe("team roles in the database (item 4)", () => {
  // A team with two owners, so a refusal below is the OWNER rule's, not the last-owner rule's.
  let teamId: string;
  let owner: PublicUser;
  let owner2: PublicUser;
  let admin: PublicUser;
  let member: PublicUser;
  beforeAll(async () => {
    const w = await makeTeamWorld(t.db, "roles");
    [teamId, owner] = [w.teamId, w.owner];
    owner2 = await addMember(t.db, teamId, "OWNER", "owner2");
    admin = await addMember(t.db, teamId, "ADMIN");
    member = await addMember(t.db, teamId, "MEMBER");
  });

  const attempts = (): [string, () => ReturnType<typeof sql>][] => [
    ["raise its own row to OWNER", () => sql`update shared_db.team_members set role = 'OWNER' where team_id = ${teamId} and user_id = ${admin.id}`],
    ["raise a member to OWNER", () => sql`update shared_db.team_members set role = 'OWNER' where team_id = ${teamId} and user_id = ${member.id}`],
    [
      "insert an accepted OWNER row for a second account",
      () => sql`insert into shared_db.team_members (team_id, user_id, email, role, invitation_status)
      values (${teamId}, ${alt.id}, ${alt.email}, 'OWNER', 'accepted')`,
    ],
    [
      "insert a pending OWNER invitation",
      () => sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token)
      values (${teamId}, ${alt.email}, 'OWNER', 'pending', ${sha256("known")})`,
    ],
    ["demote an OWNER", () => sql`update shared_db.team_members set role = 'MEMBER' where team_id = ${teamId} and user_id = ${owner2.id}`],
    ["remove an OWNER", () => sql`delete from shared_db.team_members where team_id = ${teamId} and user_id = ${owner2.id}`],
    [
      "take over an OWNER row (user_id := itself)",
      () => sql`update shared_db.team_members set user_id = ${admin.id} where team_id = ${teamId} and user_id = ${owner2.id}`,
    ],
    [
      "empty an OWNER row (user_id := NULL)",
      () => sql`update shared_db.team_members set user_id = NULL where team_id = ${teamId} and user_id = ${owner2.id}`,
    ],
  ];

  it.each(attempts().map(([name], i) => [name, i] as const))("an ADMIN cannot %s with raw SQL", async (_name, i) => {
    const before = await state(t.db, "team_members");
    const code = await refusal(as(t.db, admin.id, (tx) => tx.execute(attempts()[i]![1]())));
    expect(code).toBe("42501");
    expect(await state(t.db, "team_members")).toEqual(before);
    expect(await ownerOf(teamId)).toEqual([owner.id, owner2.id].sort());
  });

  it("an ADMIN cannot re-key a pending OWNER invitation to a token it knows", async () => {
    await t.db.execute(sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token, invitation_expires_at)
      values (${teamId}, 'boss@example.test', 'OWNER', 'pending', ${sha256(randomBytes(16).toString("hex"))}, now() + interval '1 day')`);
    const before = await state(t.db, "team_members");
    const code = await refusal(
      as(t.db, admin.id, (tx) =>
        tx.execute(
          sql`update shared_db.team_members set invitation_token = ${sha256("mine")} where team_id = ${teamId} and email = 'boss@example.test'`,
        ),
      ),
    );
    expect(code).toBe("42501");
    await expect(as(t.db, alt.id, (tx) => acceptInvitation(tx, { teamId, token: "mine", userId: alt.id }))).rejects.toMatchObject({
      code: "invariant",
      rule: "invalid_invitation",
    });
    expect(await state(t.db, "team_members")).toEqual(before);
  });

  it("an OWNER still grants and removes OWNER with raw SQL (the rule is about who, not what)", async () => {
    await as(t.db, owner.id, (tx) =>
      tx.execute(sql`update shared_db.team_members set role = 'OWNER' where team_id = ${teamId} and user_id = ${member.id}`),
    );
    expect(await ownerOf(teamId)).toEqual([owner.id, owner2.id, member.id].sort());
    await as(t.db, owner.id, (tx) =>
      tx.execute(sql`update shared_db.team_members set role = 'MEMBER' where team_id = ${teamId} and user_id = ${member.id}`),
    );
    expect(await ownerOf(teamId)).toEqual([owner.id, owner2.id].sort());
  });

  it("the last OWNER's row cannot be given to someone else or to nobody, not even by that OWNER or by service work", async () => {
    const w = await makeTeamWorld(t.db, "sole");
    const before = await state(t.db, "team_members");
    for (const target of [sql`NULL`, sql`${alt.id}`]) {
      const change = sql`update shared_db.team_members set user_id = ${target} where team_id = ${w.teamId} and user_id = ${w.owner.id}`;
      // User work never changes whose row it is (team_members_consent); service work meets the last-owner rule.
      expect(await refusal(as(t.db, w.owner.id, (tx) => tx.execute(change)))).toBe("42501");
      expect(await refusal(t.db.execute(change))).toBe("23514");
    }
    expect(await state(t.db, "team_members")).toEqual(before);
    expect(await ownerOf(w.teamId)).toEqual([w.owner.id]);
  });

  it("changeMemberRole by an ADMIN still refuses OWNER grants (the store's check, kept)", async () => {
    await expect(changeMemberRole(t.db, { teamId, actorId: admin.id, userId: member.id, role: "OWNER" })).rejects.toBeInstanceOf(ForbiddenError);
  });

  describe("accepting an invitation needs the invited user's context", () => {
    let inviteTeam: string;
    const token = randomBytes(16).toString("hex");
    beforeAll(async () => {
      inviteTeam = (await makeTeamWorld(t.db, "inviting")).teamId;
      await t.db.execute(sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token, invitation_expires_at)
        values (${inviteTeam}, ${alt.email}, 'ADMIN', 'pending', ${sha256(token)}, now() + interval '1 day')`);
    });
    const pending = () => state(t.db, "team_members");

    it("no user context: the application role cannot accept for anyone", async () => {
      const before = await pending();
      const call = sql`select shared_db.redeem_team_invitation(${inviteTeam}, ${token}, ${attacker.id})`;
      expect(await refusal(withoutContext(t.db, (tx) => tx.execute(call)))).toBe("42501");
      await expect(withoutContext(t.db, (tx) => acceptInvitation(tx, { teamId: inviteTeam, token, userId: attacker.id }))).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      expect(await pending()).toEqual(before);
    });

    it("another signed-in user cannot accept for someone else, raw or through the store", async () => {
      const before = await pending();
      const call = sql`select shared_db.redeem_team_invitation(${inviteTeam}, ${token}, ${alt.id})`;
      expect(await refusal(as(t.db, attacker.id, (tx) => tx.execute(call)))).toBe("42501");
      await expect(as(t.db, attacker.id, (tx) => acceptInvitation(tx, { teamId: inviteTeam, token, userId: alt.id }))).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      expect(await pending()).toEqual(before);
    });

    it("the invited user, signed in, accepts it (and only once)", async () => {
      const member = await as(t.db, alt.id, (tx) => acceptInvitation(tx, { teamId: inviteTeam, token, userId: alt.id }));
      expect(member).toMatchObject({ teamId: inviteTeam, userId: alt.id, role: "ADMIN", invitationStatus: "accepted" });
      await expect(as(t.db, alt.id, (tx) => acceptInvitation(tx, { teamId: inviteTeam, token, userId: alt.id }))).rejects.toBeInstanceOf(
        InvariantError,
      );
    });
  });
});
