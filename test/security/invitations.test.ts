// Issue 34, item 1: any member became OWNER. The application role could read the SHA-256 of every
// pending invitation, and accept_team_invitation(team, hash, user) took that hash: a VIEWER read a
// pending OWNER invitation's hash, left the team, accepted it as itself, and then owned the team.
// Each step is written as the attacker took it (raw SQL on the tx inside withRls, and the exported
// functions); each asserts the refusal and that team_members, re-read as service, is unchanged.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db";
import { ForbiddenError, InvariantError } from "../../src/errors";
import { teamMembers } from "../../src/schema";
import { acceptInvitation, createTeam, inviteMember, listTeamMembers, removeMember, type PublicUser } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { addMember, as, refusal, sha256, state } from "./team-fixtures";

const t = useTestDb();

let teamId: string;
let owner: PublicUser;
let admin: PublicUser;
let viewer: PublicUser;
let invitee: PublicUser;
/** The raw token, as sent to the invitee. */
let token: string;
/** Its SHA-256 as stored, read by service work (what the attacker read before the fix). */
let hash: string;

const owners = async () =>
  rowsOf<{ user_id: string }>(
    await t.db.execute(
      sql`select user_id from shared_db.team_members where team_id = ${teamId} and role = 'OWNER' and invitation_status = 'accepted' order by user_id`,
    ),
  ).map((r) => r.user_id);

beforeAll(async () => {
  owner = await makeUser(t.db, "owner");
  teamId = (await createTeam(t.db, { actorId: owner.id, name: "Takeover target" })).id;
  admin = await addMember(t.db, teamId, "ADMIN");
  viewer = await addMember(t.db, teamId, "VIEWER");
  invitee = await makeUser(t.db, "boss");
  ({ token } = await as(t.db, owner.id, (tx) => inviteMember(tx, { teamId, actorId: owner.id, email: invitee.email, role: "OWNER" })));
  const [stored] = rowsOf<{ hash: string }>(
    await t.db.execute(sql`select invitation_token as hash from shared_db.team_members where team_id = ${teamId} and invitation_status = 'pending'`),
  );
  hash = stored!.hash;
});

describe("any member becomes OWNER (issue 34, item 1)", () => {
  it("step 1: no user reads an invitation's token hash, not a VIEWER, an ADMIN, or the OWNER who sent it", async () => {
    const before = await state(t.db, "team_members");
    const reads = [
      sql`select invitation_token from shared_db.team_members where team_id = ${teamId} and role = 'OWNER' and invitation_status = 'pending'`,
      sql`select * from shared_db.team_members where team_id = ${teamId}`,
      sql`select m from shared_db.team_members m where team_id = ${teamId}`,
      sql`select to_jsonb(m) from shared_db.team_members m where team_id = ${teamId}`,
      // A probe: is this the hash? (a WHERE reads the column too)
      sql`select id from shared_db.team_members where invitation_token = ${hash}`,
      sql`update shared_db.team_members set display_name = display_name where team_id = ${teamId} returning invitation_token`,
    ];
    for (const user of [viewer, admin, owner]) {
      for (const q of reads) expect(await refusal(as(t.db, user.id, (tx) => tx.execute(q)))).toBe("42501");
      await expect(as(t.db, user.id, (tx) => tx.select().from(teamMembers))).rejects.toBeInstanceOf(ForbiddenError);
      await expect(as(t.db, user.id, (tx) => tx.query.teamMembers.findMany())).rejects.toBeInstanceOf(ForbiddenError);
    }
    // What members may read, they still read: the pending invitation, without its hash.
    const listed = await as(t.db, viewer.id, (tx) => listTeamMembers(tx, { teamId, includeInvitations: true }));
    expect(listed.find((m) => m.email === invitee.email)).toMatchObject({ role: "OWNER", invitationStatus: "pending" });
    expect(listed.every((m) => !("invitationToken" in m))).toBe(true);
    expect(await state(t.db, "team_members")).toEqual(before);
  });

  it("steps 2 and 3: with the hash leaked anyway, the VIEWER that left cannot accept the OWNER invitation with it", async () => {
    const before = await state(t.db, "team_members");
    const leave = sql`delete from shared_db.team_members where team_id = ${teamId} and user_id = ${viewer.id}`;
    // The old hash-taking function is gone.
    const old = await refusal(
      as(t.db, viewer.id, async (tx) => {
        await tx.execute(leave);
        await tx.execute(sql`select shared_db.accept_team_invitation(${teamId}, ${hash}, ${viewer.id})`);
      }),
    );
    expect(old).toBe("42883");
    // Its replacement takes the raw token and hashes it: the hash is not a token.
    const redeemed = await refusal(
      as(t.db, viewer.id, async (tx) => {
        await tx.execute(leave);
        await tx.execute(sql`select shared_db.redeem_team_invitation(${teamId}, ${hash}, ${viewer.id})`);
      }),
    );
    expect(redeemed).toBe("P0001");
    // The same through the exported functions.
    await expect(
      as(t.db, viewer.id, async (tx) => {
        await removeMember(tx, { teamId, actorId: viewer.id, userId: viewer.id });
        await acceptInvitation(tx, { teamId, token: hash, userId: viewer.id });
      }),
    ).rejects.toMatchObject({ code: "invariant", rule: "invalid_invitation" });
    expect(await state(t.db, "team_members")).toEqual(before);
    expect(await owners()).toEqual([owner.id]);
  });

  it("with the raw token itself (a forwarded link), a member the invitation is not addressed to cannot accept it", async () => {
    const before = await state(t.db, "team_members");
    const raw = await refusal(
      as(t.db, viewer.id, async (tx) => {
        await tx.execute(sql`delete from shared_db.team_members where team_id = ${teamId} and user_id = ${viewer.id}`);
        await tx.execute(sql`select shared_db.redeem_team_invitation(${teamId}, ${token}, ${viewer.id})`);
      }),
    );
    expect(raw).toBe("P0001");
    await expect(
      as(t.db, viewer.id, async (tx) => {
        await removeMember(tx, { teamId, actorId: viewer.id, userId: viewer.id });
        await acceptInvitation(tx, { teamId, token, userId: viewer.id });
      }),
    ).rejects.toBeInstanceOf(InvariantError);
    // Service work accepting for a user it authenticated is held to the same addressee.
    await expect(acceptInvitation(t.db, { teamId, token, userId: admin.id })).rejects.toMatchObject({ rule: "invalid_invitation" });
    expect(await state(t.db, "team_members")).toEqual(before);
    expect(await owners()).toEqual([owner.id]);
  });

  it("the invited user still accepts with the token and becomes OWNER beside the original owner", async () => {
    const member = await as(t.db, invitee.id, (tx) => acceptInvitation(tx, { teamId, token, userId: invitee.id }));
    expect(member).toMatchObject({ teamId, userId: invitee.id, role: "OWNER", invitationStatus: "accepted" });
    expect(await owners()).toEqual([owner.id, invitee.id].sort());
    const [stored] = rowsOf<{ invitation_token: string | null }>(
      await t.db.execute(sql`select invitation_token from shared_db.team_members where team_id = ${teamId} and user_id = ${invitee.id}`),
    );
    expect(stored).toEqual({ invitation_token: null });
  });

  it("the addressee is matched by email case-insensitively", async () => {
    const user = await makeUser(t.db, "cased");
    const mine = "cased-token";
    await t.db.execute(sql`insert into shared_db.team_members (team_id, email, role, invitation_status, invitation_token, invitation_expires_at)
      values (${teamId}, ${user.email.toUpperCase()}, 'MEMBER', 'pending', ${sha256(mine)}, now() + interval '1 day')`);
    expect(await as(t.db, user.id, (tx) => acceptInvitation(tx, { teamId, token: mine, userId: user.id }))).toMatchObject({
      userId: user.id,
      role: "MEMBER",
    });
  });
});
