import { and, eq, isNull, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { ForbiddenError, InvariantError, mapDbError, NotFoundError, SharedDbError, ValidationError } from "../../src/errors";
import {
  slackAnalyses,
  slackChannels,
  slackContributions,
  slackMessages,
  slackReactions,
  slackUsers,
  slackWorkspaces,
  teamMembers,
} from "../../src/schema";
import {
  completeScheduledRun,
  computeContributions,
  computeOverallContributions,
  connectSlackWorkspace,
  createAnalysis,
  createTeam,
  deleteSlackUser,
  disconnectSlackWorkspace,
  findAnalyzedMessages,
  listAnalyses,
  listChannelsForAnalysis,
  listSlackWorkspaces,
  listUnanalyzedMessages,
  recordMessageAnalysis,
  recordReaction,
  revealSlackWorkspaceTokens,
  saveSlackUserProfile,
  selectChannelsForAnalysis,
  syncChannels,
  syncMessages,
  syncUsers,
  updateChannelBotState,
  updateSlackWorkspaceInfo,
  upsertSlackWorkspace,
  writeOverallContributionScores,
  type PublicUser,
} from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { conversationsList, history, replies, usersList } from "./fixtures";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let n = 0;

async function workspace(owner?: PublicUser) {
  const user = owner ?? (await makeUser(t.db));
  const team = await createTeam(t.db, { actorId: user.id, name: "Viewer team" });
  const ws = await upsertSlackWorkspace(t.db, { teamId: team.id, slackId: `T${++n}VIEW`, name: "Team Zero" });
  await syncChannels(t.db, { workspaceId: ws.id, channels: conversationsList.channels });
  await syncUsers(t.db, { workspaceId: ws.id, members: usersList.members });
  const channels = await t.db.select().from(slackChannels).where(eq(slackChannels.workspaceId, ws.id));
  const general = channels.find((c) => c.slackId === "C0GENERAL")!;
  const secret = channels.find((c) => c.slackId === "G0SECRET")!;
  return { user, team, ws, channels, general, secret };
}
const userBySlackId = async (workspaceId: string, slackId: string) =>
  (
    await t.db
      .select()
      .from(slackUsers)
      .where(and(eq(slackUsers.workspaceId, workspaceId), eq(slackUsers.slackId, slackId)))
  )[0]!;
const wsRow = async (id: string) => (await t.db.select().from(slackWorkspaces).where(eq(slackWorkspaces.id, id)))[0]!;

describe("workspace connection", () => {
  it("connect stores tokens encrypted and bound to the row; disconnect forgets them and keeps the data", async () => {
    const { ws, general } = await workspace();
    const expires = new Date("2031-01-01T00:00:00Z");
    const connected = await connectSlackWorkspace(t.db, {
      keyring,
      workspaceId: ws.id,
      accessToken: "xoxp-access",
      refreshToken: "xoxe-refresh",
      tokenExpiresAt: expires,
      teamSize: 12,
      workspaceMetadata: { plan: "pro" },
    });
    expect(connected).toMatchObject({
      isConnected: true,
      connectionStatus: "connected",
      teamSize: 12,
      workspaceMetadata: { plan: "pro" },
      tokenExpiresAt: expires,
    });
    expect(connected.accessToken).toMatch(/^sdb1:/);
    expect(connected.accessToken).not.toContain("xoxp-access");
    expect(await revealSlackWorkspaceTokens(t.db, { keyring, workspaceId: ws.id })).toEqual({
      accessToken: "xoxp-access",
      refreshToken: "xoxe-refresh",
      tokenExpiresAt: expires,
    });
    // Bound to the row: the same ciphertext copied to another workspace does not decrypt there.
    const other = await workspace();
    await t.db.update(slackWorkspaces).set({ accessToken: connected.accessToken }).where(eq(slackWorkspaces.id, other.ws.id));
    await expect(revealSlackWorkspaceTokens(t.db, { keyring, workspaceId: other.ws.id })).rejects.toMatchObject({ name: "DecryptionError" });

    const gone = await disconnectSlackWorkspace(t.db, { workspaceId: ws.id });
    expect(gone).toMatchObject({ isConnected: false, connectionStatus: "disconnected", accessToken: null, refreshToken: null, tokenExpiresAt: null });
    expect(await revealSlackWorkspaceTokens(t.db, { keyring, workspaceId: ws.id })).toBeUndefined();
    expect(await t.db.select().from(slackChannels).where(eq(slackChannels.id, general.id))).toHaveLength(1);
  });

  it("team size, metadata, status and last sync; bad input names the field and changes nothing", async () => {
    const { ws } = await workspace();
    expect((await wsRow(ws.id)).lastSyncAt).toBeNull();
    const row = await updateSlackWorkspaceInfo(t.db, {
      workspaceId: ws.id,
      teamSize: 40,
      workspaceMetadata: { region: "eu" },
      connectionStatus: "syncing",
      synced: true,
    });
    expect(row).toMatchObject({ teamSize: 40, workspaceMetadata: { region: "eu" }, connectionStatus: "syncing" });
    expect(row.lastSyncAt).toBeInstanceOf(Date);
    await expect(updateSlackWorkspaceInfo(t.db, { workspaceId: ws.id, teamSize: -1 })).rejects.toMatchObject({
      name: "ValidationError",
      field: "teamSize",
    });
    await expect(connectSlackWorkspace(t.db, { keyring, workspaceId: ws.id, accessToken: "" })).rejects.toBeInstanceOf(ValidationError);
    await expect(updateSlackWorkspaceInfo(t.db, { workspaceId: crypto.randomUUID(), teamSize: 1 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await wsRow(ws.id)).toMatchObject({ teamSize: 40, connectionStatus: "syncing", accessToken: null });
  });

  it("user work cannot read the token columns", async () => {
    const { ws, user } = await workspace();
    await connectSlackWorkspace(t.db, { keyring, workspaceId: ws.id, accessToken: "xoxp-hidden" });
    await expect(withRls(t.db, { userId: user.id }, (tx) => revealSlackWorkspaceTokens(tx, { keyring, workspaceId: ws.id }))).rejects.toBeInstanceOf(
      SharedDbError,
    );
  });
});

describe("listing workspaces", () => {
  it("a member lists their teams' workspaces without token columns; another user sees none; a team filter narrows", async () => {
    const a = await workspace();
    const b = await workspace(a.user);
    const other = await workspace();
    await connectSlackWorkspace(t.db, { keyring, workspaceId: a.ws.id, accessToken: "xoxp-a", refreshToken: "xoxe-a" });
    const mine = await withRls(t.db, { userId: a.user.id }, (tx) => listSlackWorkspaces(tx));
    expect(mine.map((w) => w.id).sort()).toEqual([a.ws.id, b.ws.id].sort());
    for (const w of mine) {
      expect(w).not.toHaveProperty("accessToken");
      expect(w).not.toHaveProperty("refreshToken");
    }
    expect(mine.find((w) => w.id === a.ws.id)).toMatchObject({ teamId: a.team.id, slackId: a.ws.slackId, name: "Team Zero", isConnected: true });
    const oneTeam = await withRls(t.db, { userId: a.user.id }, (tx) => listSlackWorkspaces(tx, { teamId: b.team.id }));
    expect(oneTeam.map((w) => w.id)).toEqual([b.ws.id]);
    const theirs = await withRls(t.db, { userId: other.user.id }, (tx) => listSlackWorkspaces(tx, { teamId: a.team.id }));
    expect(theirs).toEqual([]);
    await expect(withRls(t.db, { userId: a.user.id }, (tx) => listSlackWorkspaces(tx, { teamId: "nope" }))).rejects.toMatchObject({
      code: "validation",
      field: "teamId",
    });
  });
});

describe("channels for analysis", () => {
  it("a team ADMIN chooses channels; a MEMBER is refused and nothing changes; a channel of another workspace is not found", async () => {
    const { ws, team, user, general, secret } = await workspace();
    const member = await makeUser(t.db, "member");
    await t.db.insert(teamMembers).values({ teamId: team.id, userId: member.id, email: member.email, role: "MEMBER" });
    const chosen = await withRls(t.db, { userId: user.id }, (tx) =>
      selectChannelsForAnalysis(tx, { workspaceId: ws.id, channelIds: [general.id, secret.id] }),
    );
    expect(chosen.map((c) => c.isSelectedForAnalysis)).toEqual([true, true]);
    expect((await listChannelsForAnalysis(t.db, { workspaceId: ws.id })).map((c) => c.slackId)).toEqual(["C0GENERAL", "G0SECRET"]);

    await expect(
      withRls(t.db, { userId: member.id }, (tx) => selectChannelsForAnalysis(tx, { workspaceId: ws.id, channelIds: [general.id], selected: false })),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const other = await workspace();
    await expect(
      withRls(t.db, { userId: user.id }, (tx) =>
        selectChannelsForAnalysis(tx, { workspaceId: ws.id, channelIds: [secret.id, other.general.id], selected: false }),
      ),
    ).rejects.toMatchObject({ name: "NotFoundError", field: "channelIds" });
    // Only that column: the app role cannot rewrite a channel through the new grant.
    await expect(
      withRls(t.db, { userId: user.id }, (tx) =>
        tx.execute(sql`update shared_db.slack_channels set name = 'renamed' where id = ${general.id}`),
      ).catch((e: unknown) => {
        throw mapDbError(e);
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listChannelsForAnalysis(t.db, { workspaceId: ws.id })).map((c) => [c.slackId, c.name])).toEqual([
      ["C0GENERAL", "general"],
      ["G0SECRET", "secret"],
    ]);
  });

  it("bot joined and supported flags (unsupported channels drop out of the analysis list)", async () => {
    const { ws, general } = await workspace();
    await selectChannelsForAnalysis(t.db, { workspaceId: ws.id, channelIds: [general.id] });
    const joined = await updateChannelBotState(t.db, { channelId: general.id, hasBot: true });
    expect(joined.botJoinedAt).toBeInstanceOf(Date);
    const at = new Date("2024-05-01T10:00:00Z");
    expect((await updateChannelBotState(t.db, { channelId: general.id, botJoinedAt: at })).botJoinedAt).toEqual(at);
    expect(await updateChannelBotState(t.db, { channelId: general.id, hasBot: false, isSupported: false })).toMatchObject({
      hasBot: false,
      botJoinedAt: null,
      isSupported: false,
    });
    expect(await listChannelsForAnalysis(t.db, { workspaceId: ws.id })).toEqual([]);
    await expect(updateChannelBotState(t.db, { channelId: crypto.randomUUID(), hasBot: true })).rejects.toMatchObject({
      name: "NotFoundError",
      field: "channelId",
    });
  });
});

describe("per-message analysis", () => {
  it("writes results, lists unanalysed messages, queries by category and sentiment", async () => {
    const { general } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: history.messages });
    const all = await listUnanalyzedMessages(t.db, { channelId: general.id });
    expect(all.map((m) => m.slackTs)).toEqual(["1700000000.000100", "1700000100.000200", "1700000200.000300"]);
    const [first, bot, third] = all;
    expect(
      await recordMessageAnalysis(t.db, {
        channelId: general.id,
        results: [
          { messageId: first!.id, messageCategory: "question", sentimentScore: 0.6, analysisData: { topics: ["docs"] } },
          { messageId: third!.id, messageCategory: "answer", sentimentScore: -0.2 },
        ],
      }),
    ).toBe(2);
    expect((await listUnanalyzedMessages(t.db, { channelId: general.id })).map((m) => m.id)).toEqual([bot!.id]);
    const questions = await findAnalyzedMessages(t.db, { channelId: general.id, messageCategory: "question" });
    expect(questions.map((m) => [m.id, m.sentimentScore, m.analysisData])).toEqual([[first!.id, 0.6, { topics: ["docs"] }]]);
    expect((await findAnalyzedMessages(t.db, { channelId: general.id, maxSentiment: 0 })).map((m) => m.id)).toEqual([third!.id]);
    expect((await findAnalyzedMessages(t.db, { channelId: general.id, minSentiment: -1 })).map((m) => m.id)).toEqual([third!.id, first!.id]);
  });

  it("all or nothing: a message of another channel, a repeated id or a score out of range changes nothing", async () => {
    const { general, secret } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: history.messages });
    await syncMessages(t.db, { channelId: secret.id, messages: [{ type: "message", user: "U0ADA", ts: "1700000900.000100", text: "psst" }] });
    const [mine] = await listUnanalyzedMessages(t.db, { channelId: general.id });
    const [elsewhere] = await listUnanalyzedMessages(t.db, { channelId: secret.id });
    await expect(
      recordMessageAnalysis(t.db, {
        channelId: general.id,
        results: [
          { messageId: mine!.id, messageCategory: "x" },
          { messageId: elsewhere!.id, messageCategory: "y" },
        ],
      }),
    ).rejects.toMatchObject({ name: "NotFoundError", field: "results.1.messageId" });
    await expect(
      recordMessageAnalysis(t.db, { channelId: general.id, results: [{ messageId: mine!.id }, { messageId: mine!.id }] }),
    ).rejects.toMatchObject({ name: "ValidationError", field: "results.1.messageId" });
    await expect(recordMessageAnalysis(t.db, { channelId: general.id, results: [{ messageId: mine!.id, sentimentScore: 2 }] })).rejects.toMatchObject(
      {
        name: "ValidationError",
        field: "results.0.sentimentScore",
      },
    );
    const analysed = await t.db.select().from(slackMessages).where(eq(slackMessages.isAnalyzed, true));
    expect(analysed.filter((m) => m.id === mine!.id || m.id === elsewhere!.id)).toEqual([]);
  });
});

describe("reactions and Slack users", () => {
  it("records a reaction_added event with emoji code and timestamp; the message count follows", async () => {
    const { general, ws } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: history.messages });
    const r = await recordReaction(t.db, {
      channelId: general.id,
      messageTs: "1700000200.000300",
      userSlackId: "U0ADA",
      emojiName: "tada",
      emojiCode: "1f389",
      reactionTs: "1700000300.000100",
    });
    expect(r).toMatchObject({
      emojiName: "tada",
      emojiCode: "1f389",
      reactionTs: "1700000300.000100",
      userId: (await userBySlackId(ws.id, "U0ADA")).id,
    });
    const [msg] = await t.db
      .select()
      .from(slackMessages)
      .where(and(eq(slackMessages.channelId, general.id), eq(slackMessages.slackTs, "1700000200.000300")));
    expect(msg!.reactionCount).toBe(1);
    // Again without a code keeps the code (idempotent).
    expect(
      (await recordReaction(t.db, { channelId: general.id, messageTs: "1700000200.000300", userSlackId: "U0ADA", emojiName: "tada" })).emojiCode,
    ).toBe("1f389");
    await expect(
      recordReaction(t.db, { channelId: general.id, messageTs: "1700009999.000000", userSlackId: "U0ADA", emojiName: "x" }),
    ).rejects.toMatchObject({ field: "messageTs" });
    await expect(
      recordReaction(t.db, { channelId: general.id, messageTs: "1700000200.000300", userSlackId: "U0NOBODY", emojiName: "x" }),
    ).rejects.toMatchObject({ field: "userSlackId" });
    expect(await t.db.select().from(slackReactions).where(eq(slackReactions.messageId, msg!.id))).toHaveLength(1);
  });

  it("profile data is stored; deleting a Slack user keeps them as deleted and keeps their history", async () => {
    const { general, ws } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: replies.messages });
    const alan = await userBySlackId(ws.id, "U0ALAN");
    expect(
      (await saveSlackUserProfile(t.db, { slackUserId: alan.id, profileData: { status_text: "out", fields: { Xf1: "Maths" } } })).profileData,
    ).toEqual({
      status_text: "out",
      fields: { Xf1: "Maths" },
    });
    const before = await t.db.select().from(slackMessages).where(eq(slackMessages.userId, alan.id));
    expect(before.length).toBeGreaterThan(0);
    expect((await deleteSlackUser(t.db, { slackUserId: alan.id })).isDeleted).toBe(true);
    // A hard delete would erase history: refused with a typed error, nothing removed.
    const err = await t.db
      .delete(slackUsers)
      .where(eq(slackUsers.id, alan.id))
      .catch((e: unknown) => mapDbError(e));
    expect(err).toMatchObject({ name: "ConflictError", constraint: "slack_users_keep_history" });
    // A user without history may still be removed.
    const bot = await userBySlackId(ws.id, "U0BOT");
    await t.db.delete(slackReactions).where(eq(slackReactions.userId, bot.id));
    expect(await t.db.delete(slackUsers).where(eq(slackUsers.id, bot.id)).returning()).toHaveLength(1);
    expect(await t.db.select().from(slackUsers).where(eq(slackUsers.id, alan.id))).toHaveLength(1);
    expect(await t.db.select().from(slackMessages).where(eq(slackMessages.userId, alan.id))).toHaveLength(before.length);
    expect((await t.db.select().from(slackReactions).where(eq(slackReactions.userId, alan.id))).length).toBeGreaterThan(0);
    // Deleting the whole workspace (or team) still removes everything.
    await t.db.delete(slackWorkspaces).where(eq(slackWorkspaces.id, ws.id));
    expect(await t.db.select().from(slackUsers).where(eq(slackUsers.workspaceId, ws.id))).toEqual([]);
    expect(await t.db.select().from(slackMessages).where(eq(slackMessages.channelId, general.id))).toEqual([]);
  });
});

describe("analyses: scheduling, listing, overall contributions", () => {
  it("a run moves next_run_at forward by the frequency to the first time after now", async () => {
    const { ws, general } = await workspace();
    const a = await createAnalysis(t.db, {
      workspaceId: ws.id,
      name: "Weekly",
      startDate: new Date("2023-11-01"),
      endDate: new Date("2023-12-01"),
      channelIds: [general.id],
      isScheduled: true,
      scheduleFrequency: "weekly",
      nextRunAt: new Date("2024-01-01T09:00:00Z"),
    });
    const next = await completeScheduledRun(t.db, { analysisId: a.id, now: new Date("2024-01-01T09:05:00Z") });
    expect(next.nextRunAt).toEqual(new Date("2024-01-08T09:00:00Z"));
    expect(next.status).toBe("pending");
    // Missed runs are skipped, not replayed.
    expect((await completeScheduledRun(t.db, { analysisId: a.id, now: new Date("2024-02-01T00:00:00Z") })).nextRunAt).toEqual(
      new Date("2024-02-05T09:00:00Z"),
    );
    const once = await createAnalysis(t.db, {
      workspaceId: ws.id,
      name: "Once",
      startDate: new Date("2023-11-01"),
      endDate: new Date("2023-12-01"),
      channelIds: [general.id],
    });
    await expect(completeScheduledRun(t.db, { analysisId: once.id })).rejects.toBeInstanceOf(InvariantError);
    await expect(completeScheduledRun(t.db, { analysisId: crypto.randomUUID() })).rejects.toMatchObject({
      name: "NotFoundError",
      field: "analysisId",
    });
    expect((await t.db.select().from(slackAnalyses).where(eq(slackAnalyses.id, once.id)))[0]!.nextRunAt).toBeNull();
    expect((await listAnalyses(t.db, { workspaceId: ws.id })).map((x) => x.name).sort()).toEqual(["Once", "Weekly"]);
  });

  it("lists analyses under RLS for the team only", async () => {
    const { ws, general, user } = await workspace();
    await createAnalysis(t.db, {
      workspaceId: ws.id,
      name: "Mine",
      startDate: new Date("2023-11-01"),
      endDate: new Date("2023-12-01"),
      channelIds: [general.id],
    });
    const stranger = await makeUser(t.db, "stranger");
    expect((await withRls(t.db, { userId: user.id }, (tx) => listAnalyses(tx, { workspaceId: ws.id }))).map((x) => x.name)).toEqual(["Mine"]);
    expect(await withRls(t.db, { userId: stranger.id }, (tx) => listAnalyses(tx, { workspaceId: ws.id }))).toEqual([]);
  });

  it("an overall row per user sums the per-channel rows and takes its own scores", async () => {
    const { ws, general, secret } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: replies.messages });
    await syncMessages(t.db, { channelId: secret.id, messages: [{ type: "message", user: "U0ALAN", ts: "1700000900.000100", text: "psst" }] });
    const a = await createAnalysis(t.db, {
      workspaceId: ws.id,
      name: "All",
      startDate: new Date("2023-11-01"),
      endDate: new Date("2023-12-01"),
      channelIds: [general.id, secret.id],
    });
    await computeContributions(t.db, { analysisId: a.id });
    expect(await computeOverallContributions(t.db, { analysisId: a.id })).toBeGreaterThan(0);
    const alan = await userBySlackId(ws.id, "U0ALAN");
    const rows = await t.db
      .select()
      .from(slackContributions)
      .where(and(eq(slackContributions.analysisId, a.id), eq(slackContributions.userId, alan.id)));
    const overall = rows.find((r) => r.channelId === null)!;
    const perChannel = rows.filter((r) => r.channelId !== null);
    expect(perChannel).toHaveLength(2);
    expect(overall.messageCount + overall.threadReplyCount).toBe(perChannel.reduce((s, r) => s + r.messageCount + r.threadReplyCount, 0));
    expect(overall.reactionGivenCount).toBe(perChannel.reduce((s, r) => s + r.reactionGivenCount, 0));
    await writeOverallContributionScores(t.db, { analysisId: a.id, userId: alan.id, totalScore: 88, insights: "Helpful" });
    // Re-running keeps one overall row and its scores.
    await computeOverallContributions(t.db, { analysisId: a.id });
    const again = await t.db
      .select()
      .from(slackContributions)
      .where(and(eq(slackContributions.analysisId, a.id), eq(slackContributions.userId, alan.id), isNull(slackContributions.channelId)));
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ totalScore: 88, insights: "Helpful" });
  });
});

describe("deleting a team with Slack history", () => {
  it("cascades through users with history", async () => {
    const { general, team, ws } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: replies.messages });
    await t.db.execute(sql`delete from shared_db.teams where id = ${team.id}`);
    expect(await t.db.select().from(slackUsers).where(eq(slackUsers.workspaceId, ws.id))).toEqual([]);
  });
});
