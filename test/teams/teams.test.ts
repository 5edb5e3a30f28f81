import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, withRls } from "../../src";
import { ConflictError, ForbiddenError, InvariantError, ValidationError } from "../../src/errors";
import { teamMembers, teams } from "../../src/schema";
import {
  acceptInvitation,
  changeMemberRole,
  createTeam,
  getTeamBySlug,
  inviteMember,
  listMyTeams,
  removeMember,
  slugify,
  updateTeam,
} from "../../src/stores";
import { makeUser, onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();

describe("teams", () => {
  it("creates a team under withRls with the creator as OWNER, slug derived from the name", async () => {
    const u = await makeUser(t.db);
    const team = await withRls(t.db, { userId: u.id }, (tx) => createTeam(tx, { actorId: u.id, name: "Café Platform & Co" }));
    expect(team.slug).toMatch(/^cafe-platform-co/);
    const mine = await withRls(t.db, { userId: u.id }, (tx) => listMyTeams(tx, { userId: u.id }));
    expect(mine.map((x) => [x.id, x.role])).toEqual([[team.id, "OWNER"]]);
    expect(slugify("  ---  ")).toBe("team");
  });

  it("derives a free slug when the name's is taken, and refuses a taken explicit slug", async () => {
    const u = await makeUser(t.db);
    const a = await createTeam(t.db, { actorId: u.id, name: "Same Name" });
    const b = await createTeam(t.db, { actorId: u.id, name: "Same Name" });
    expect(b.slug).not.toBe(a.slug);
    expect(b.slug.startsWith("same-name-")).toBe(true);
    await expect(createTeam(t.db, { actorId: u.id, name: "x", slug: a.slug })).rejects.toBeInstanceOf(ConflictError);
    await expect(createTeam(t.db, { actorId: u.id, name: "x", slug: "Bad Slug" })).rejects.toMatchObject({ field: "slug" });
    expect((await getTeamBySlug(t.db, { slug: a.slug }))!.id).toBe(a.id);
  });

  it("lets only ADMIN/OWNER rename, and a stranger not even see the team", async () => {
    const [owner, viewer, stranger] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
    const team = await createTeam(t.db, { actorId: owner.id, name: "Renamable" });
    await t.db.insert(teamMembers).values({ teamId: team.id, userId: viewer.id, email: viewer.email, role: "VIEWER" });
    await expect(
      withRls(t.db, { userId: viewer.id }, (tx) => updateTeam(tx, { teamId: team.id, actorId: viewer.id, patch: { name: "x" } })),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(await withRls(t.db, { userId: stranger.id }, (tx) => getTeamBySlug(tx, { slug: team.slug }))).toBeUndefined();
    const renamed = await withRls(t.db, { userId: owner.id }, (tx) =>
      updateTeam(tx, { teamId: team.id, actorId: owner.id, patch: { name: "Renamed" } }),
    );
    expect(renamed.name).toBe("Renamed");
  });
});

describe("invitations", () => {
  it("invites by email with a single-use token stored only as a hash", async () => {
    const [owner, invitee] = [await makeUser(t.db), await makeUser(t.db)];
    const team = await createTeam(t.db, { actorId: owner.id, name: "Invites" });
    const { token, invitation } = await withRls(t.db, { userId: owner.id }, (tx) =>
      inviteMember(tx, { teamId: team.id, actorId: owner.id, email: invitee.email, role: "MEMBER" }),
    );
    const [stored] = await t.db.select().from(teamMembers).where(eq(teamMembers.id, invitation.id));
    expect(stored!.invitationToken).not.toContain(token);
    expect(stored!.invitationToken).toMatch(/^[0-9a-f]{64}$/);
    const member = await withRls(t.db, { userId: invitee.id }, (tx) => acceptInvitation(tx, { teamId: team.id, token, userId: invitee.id }));
    expect(member).toMatchObject({ userId: invitee.id, role: "MEMBER", invitationStatus: "accepted" });
    // No user reads the stored hash, so the stores never return it.
    expect(member).not.toHaveProperty("invitationToken");
    expect(invitation).not.toHaveProperty("invitationToken");
    await expect(acceptInvitation(t.db, { teamId: team.id, token, userId: invitee.id })).rejects.toMatchObject({
      code: "invariant",
      rule: "invalid_invitation",
    });
  });

  it("refuses expired and other-team tokens, and accepting for someone else", async () => {
    const [owner, invitee, other] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
    const [team, otherTeam] = [await createTeam(t.db, { actorId: owner.id, name: "A" }), await createTeam(t.db, { actorId: owner.id, name: "B" })];
    const { token } = await inviteMember(t.db, { teamId: team.id, actorId: owner.id, email: invitee.email, expiresInSeconds: 60 });
    await expect(acceptInvitation(t.db, { teamId: otherTeam.id, token, userId: invitee.id })).rejects.toMatchObject({
      code: "invariant",
      rule: "invalid_invitation",
    });
    await expect(withRls(t.db, { userId: other.id }, (tx) => acceptInvitation(tx, { teamId: team.id, token, userId: invitee.id }))).rejects.toThrow();
    await t.db
      .update(teamMembers)
      .set({ invitationExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(teamMembers.email, invitee.email));
    await expect(acceptInvitation(t.db, { teamId: team.id, token, userId: invitee.id })).rejects.toMatchObject({
      code: "invariant",
      rule: "expired_invitation",
    });
  });

  it("lets only ADMIN/OWNER invite, and only an OWNER invite an OWNER", async () => {
    const [owner, admin, member] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
    const team = await createTeam(t.db, { actorId: owner.id, name: "Roles" });
    await t.db.insert(teamMembers).values([
      { teamId: team.id, userId: admin.id, email: admin.email, role: "ADMIN" },
      { teamId: team.id, userId: member.id, email: member.email, role: "MEMBER" },
    ]);
    await expect(inviteMember(t.db, { teamId: team.id, actorId: member.id, email: "x@example.com" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(inviteMember(t.db, { teamId: team.id, actorId: admin.id, email: "y@example.com", role: "OWNER" })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await inviteMember(t.db, { teamId: team.id, actorId: admin.id, email: "z@example.com" });
    // Under RLS, a MEMBER cannot write a membership row directly either.
    await expect(
      withRls(t.db, { userId: member.id }, (tx) => tx.insert(teamMembers).values({ teamId: team.id, email: "w@example.com", role: "ADMIN" })),
    ).rejects.toThrow();
    await expect(inviteMember(t.db, { teamId: team.id, actorId: admin.id, email: "not-an-email" })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("owners", () => {
  it("never lets the last OWNER be demoted or removed", async () => {
    const [owner, admin] = [await makeUser(t.db), await makeUser(t.db)];
    const team = await createTeam(t.db, { actorId: owner.id, name: "Owned" });
    await t.db.insert(teamMembers).values({ teamId: team.id, userId: admin.id, email: admin.email, role: "ADMIN" });
    await expect(changeMemberRole(t.db, { teamId: team.id, actorId: owner.id, userId: owner.id, role: "ADMIN" })).rejects.toMatchObject({
      code: "invariant",
      rule: "last_owner",
    });
    await expect(removeMember(t.db, { teamId: team.id, actorId: owner.id, userId: owner.id })).rejects.toMatchObject({
      code: "invariant",
      rule: "last_owner",
    });
    await expect(changeMemberRole(t.db, { teamId: team.id, actorId: admin.id, userId: owner.id, role: "MEMBER" })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await changeMemberRole(t.db, { teamId: team.id, actorId: owner.id, userId: admin.id, role: "OWNER" });
    await changeMemberRole(t.db, { teamId: team.id, actorId: admin.id, userId: owner.id, role: "MEMBER" });
    // Deleting the whole team is fine.
    await t.db.delete(teams).where(eq(teams.id, team.id));
  });

  it.skipIf(!onServer)(`keeps an OWNER when two demotions of the two owners race${serverOnly}`, async () => {
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    const pools = [await createDb({ url: t.url }), await createDb({ url: t.url })];
    try {
      for (let round = 0; round < 5; round++) {
        const team = await createTeam(t.db, { actorId: a.id, name: `Race ${round}` });
        await t.db.insert(teamMembers).values({ teamId: team.id, userId: b.id, email: b.email, role: "OWNER" });
        const results = await Promise.allSettled([
          changeMemberRole(pools[0]!.db, { teamId: team.id, actorId: a.id, userId: a.id, role: "ADMIN" }),
          changeMemberRole(pools[1]!.db, { teamId: team.id, actorId: b.id, userId: b.id, role: "ADMIN" }),
        ]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(InvariantError);
        const owners = await t.db.select().from(teamMembers).where(sql`${teamMembers.teamId} = ${team.id} and ${teamMembers.role} = 'OWNER'`);
        expect(owners).toHaveLength(1);
      }
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
