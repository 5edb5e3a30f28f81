import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, withRls } from "../../src";
import { ConflictError, ForbiddenError } from "../../src/errors";
import { slackChannels, slackWorkspaces } from "../../src/schema";
import { createTeam, syncChannels, upsertSlackWorkspace } from "../../src/stores";
import { makeUser, onServer, serverOnly, useTestDb } from "../support/db";
import { conversationsList } from "../slack-data/fixtures";

const t = useTestDb();
const slackId = () => `T${randomBytes(6).toString("hex").toUpperCase()}`;

/** Two teams with their owners; team A has registered workspace `ws`. */
async function twoTeams() {
  const [alice, bob] = [await makeUser(t.db, "alice"), await makeUser(t.db, "bob")];
  const a = await createTeam(t.db, { actorId: alice.id, name: "A" });
  const b = await createTeam(t.db, { actorId: bob.id, name: "B" });
  const ws = await upsertSlackWorkspace(t.db, { teamId: a.id, slackId: slackId(), name: "A's workspace", domain: "a" });
  await syncChannels(t.db, { workspaceId: ws.id, channels: conversationsList.channels });
  return { alice, bob, a, b, ws };
}
const rowsFor = (id: string) => t.db.select().from(slackWorkspaces).where(eq(slackWorkspaces.slackId, id));
const channelTeams = async (workspaceId: string) =>
  (await t.db.select({ teamId: slackChannels.teamId }).from(slackChannels).where(eq(slackChannels.workspaceId, workspaceId))).map((r) => r.teamId);

describe("workspace hijack (issue 16, item 5)", () => {
  it("registering another team's workspace is a ConflictError and leaves its row and data as they were", async () => {
    const { a, b, ws } = await twoTeams();
    const before = await rowsFor(ws.slackId);
    const e = await upsertSlackWorkspace(t.db, { teamId: b.id, slackId: ws.slackId, name: "pwned", domain: "evil" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConflictError);
    expect((e as ConflictError).constraint).toBe("slack_workspaces_slack_id_key");
    expect(await rowsFor(ws.slackId)).toEqual(before);
    expect(before).toMatchObject([{ id: ws.id, teamId: a.id, name: "A's workspace", domain: "a" }]);
    expect(new Set(await channelTeams(ws.id))).toEqual(new Set([a.id]));
  });

  it("the team that registered a workspace re-registers it: same row, refreshed", async () => {
    const { a, ws } = await twoTeams();
    const again = await upsertSlackWorkspace(t.db, { teamId: a.id, slackId: ws.slackId, name: "Renamed", domain: "a2" });
    expect(again).toMatchObject({ id: ws.id, teamId: a.id, name: "Renamed", domain: "a2" });
    expect(again.lastConnectedAt).not.toBeNull();
    expect(await rowsFor(ws.slackId)).toHaveLength(1);
  });

  it("B's owner cannot take the workspace over with raw SQL under withRls either", async () => {
    const { bob, b, ws } = await twoTeams();
    const before = await rowsFor(ws.slackId);
    const attempts = [
      sql`insert into shared_db.slack_workspaces (team_id, slack_id, name) values (${b.id}, ${ws.slackId}, 'pwned')
          on conflict (slack_id) do update set name = 'pwned'`,
      sql`update shared_db.slack_workspaces set team_id = ${b.id}, name = 'pwned' where slack_id = ${ws.slackId}`,
    ];
    for (const attempt of attempts) {
      const e = await withRls(t.db, { userId: bob.id }, (tx) => tx.execute(attempt)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ForbiddenError);
      expect(e).toMatchObject({ code: "forbidden", table: "slack_workspaces", sqlstate: "42501" });
    }
    expect(await rowsFor(ws.slackId)).toEqual(before);
  });

  it.skipIf(!onServer)(`two teams registering the same new workspace at once: one wins, the other gets a ConflictError${serverOnly}`, async () => {
    const [alice, bob] = [await makeUser(t.db, "alice"), await makeUser(t.db, "bob")];
    const teamsOf = [await createTeam(t.db, { actorId: alice.id, name: "A" }), await createTeam(t.db, { actorId: bob.id, name: "B" })];
    const pools = [await createDb({ url: t.url! }), await createDb({ url: t.url! })];
    try {
      const id = slackId();
      const results = await Promise.allSettled(
        teamsOf.map((team, i) => upsertSlackWorkspace(pools[i]!.db, { teamId: team.id, slackId: id, name: team.name })),
      );
      const won = results.filter((r): r is PromiseFulfilledResult<typeof slackWorkspaces.$inferSelect> => r.status === "fulfilled");
      expect(won).toHaveLength(1);
      expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect(await rowsFor(id)).toMatchObject([{ teamId: won[0]!.value.teamId, name: won[0]!.value.name }]);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
