import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { InvariantError, ValidationError } from "../../src/errors";
import { slackChannels, slackContributions, slackMessages, slackReactions, slackUsers, slackWorkspaces, teamMembers } from "../../src/schema";
import {
  channelMessages,
  computeContributions,
  contributionLeaderboard,
  createAnalysis,
  createTeam,
  dueScheduledAnalyses,
  processSlackText,
  saveChannelAnalysis,
  setAnalysisStatus,
  syncChannels,
  syncMessages,
  syncUsers,
  threadWithReplies,
  upsertSlackWorkspace,
  writeContributionScores,
  type PublicUser,
} from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { conversationsList, history, replies, usersList } from "./fixtures";

const t = useTestDb();
let n = 0;

/** A team with a workspace, its channels and users synced from the fixtures. */
async function workspace(owner?: PublicUser) {
  const user = owner ?? (await makeUser(t.db));
  const team = await createTeam(t.db, { actorId: user.id, name: "Slack team" });
  const ws = await upsertSlackWorkspace(t.db, { teamId: team.id, slackId: `T${++n}TEAM`, name: "Team Zero" });
  await syncChannels(t.db, { workspaceId: ws.id, channels: conversationsList.channels });
  await syncUsers(t.db, { workspaceId: ws.id, members: usersList.members });
  const channels = await t.db.select().from(slackChannels).where(eq(slackChannels.workspaceId, ws.id));
  const general = channels.find((c) => c.slackId === "C0GENERAL")!;
  return { user, team, ws, channels, general };
}
const messagesOf = (channelId: string) =>
  t.db.select().from(slackMessages).where(eq(slackMessages.channelId, channelId)).orderBy(slackMessages.slackTs);

describe("mapping Slack payloads", () => {
  it("maps conversations.list and users.list, idempotently", async () => {
    const { ws, channels } = await workspace();
    expect(channels.map((c) => [c.slackId, c.type, c.memberCount]).sort()).toEqual([
      ["C0GENERAL", "public", 42],
      ["D0DM", "im", null],
      ["G0SECRET", "private", 3],
    ]);
    expect(channels.find((c) => c.slackId === "C0GENERAL")).toMatchObject({
      topic: "Company-wide",
      purpose: "Everything",
      hasBot: true,
      createdAtTs: "1690000000.000000",
    });
    expect(await syncChannels(t.db, { workspaceId: ws.id, channels: conversationsList.channels })).toBe(0);
    expect(await syncUsers(t.db, { workspaceId: ws.id, members: usersList.members })).toBe(0);
    const ada = (
      await t.db
        .select()
        .from(slackUsers)
        .where(and(eq(slackUsers.workspaceId, ws.id), eq(slackUsers.slackId, "U0ADA")))
    )[0]!;
    expect(ada).toMatchObject({ displayName: "ada.l", realName: "Ada Lovelace", email: "ada@example.com", isAdmin: true, timezone: "Europe/London" });
  });

  it("maps messages: reactions, files, attachments, edits, bot messages, threads and processed text", async () => {
    const { general } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: history.messages });
    const [first, bot, edited] = await messagesOf(general.id);
    expect(first).toMatchObject({ isThreadParent: true, isThreadReply: false, replyCount: 2, reactionCount: 3, slackId: "m-1" });
    expect(first!.processedText).toBe("Hi @Alan Turing, see #general and the doc (https://example.com/doc) @here");
    expect(first!.messageDatetime.toISOString()).toBe("2023-11-14T22:13:20.000Z");
    expect(bot).toMatchObject({ messageType: "bot_message", subtype: "bot_message", hasAttachments: true, userId: null });
    expect(edited).toMatchObject({ isEdited: true, editedTs: "1700000250.000000", hasAttachments: true });
    expect(await t.db.select().from(slackReactions).where(eq(slackReactions.messageId, first!.id))).toHaveLength(3);
  });

  it("re-syncing the same page changes nothing; an edit updates; removed reactions disappear", async () => {
    const { general } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: history.messages });
    const before = await messagesOf(general.id);
    await syncMessages(t.db, { channelId: general.id, messages: history.messages });
    expect(await messagesOf(general.id)).toEqual(before);
    const edited = structuredClone(history.messages);
    edited[0] = {
      ...edited[0]!,
      text: "Hi all",
      edited: { user: "U0ADA", ts: "1700000300.000000" },
      reactions: [{ name: "eyes", users: ["U0ALAN"], count: 1 }],
    } as never;
    await syncMessages(t.db, { channelId: general.id, messages: edited });
    const [first] = await messagesOf(general.id);
    expect(first).toMatchObject({ text: "Hi all", isEdited: true, editedTs: "1700000300.000000", reactionCount: 1 });
    const stored = await t.db.select().from(slackReactions).where(eq(slackReactions.messageId, first!.id));
    expect(stored.map((r) => r.emojiName)).toEqual(["eyes"]);
  });

  it("links replies to their parent whichever arrives first", async () => {
    const { general } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: replies.messages.slice(1) }); // replies first
    expect((await messagesOf(general.id)).every((m) => m.parentId === null && m.isThreadReply)).toBe(true);
    await syncMessages(t.db, { channelId: general.id, messages: [replies.messages[0]!] });
    const [parent, ...rest] = await messagesOf(general.id);
    expect(parent!.isThreadParent).toBe(true);
    expect(rest.map((r) => r.parentId)).toEqual([parent!.id, parent!.id]);
    expect((await threadWithReplies(t.db, { channelId: general.id, threadTs: parent!.slackTs })).map((m) => m.text)).toEqual([
      parent!.text,
      "On it",
      "Done",
    ]);
  });

  it("deleting a thread's parent unlinks its replies and keeps them in their tenant", async () => {
    const { general } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: replies.messages });
    const [parent, ...rest] = await messagesOf(general.id);
    await t.db.delete(slackMessages).where(eq(slackMessages.id, parent!.id));
    const after = await messagesOf(general.id);
    expect(after.map((m) => [m.id, m.parentId, m.teamId])).toEqual(rest.map((m) => [m.id, null, general.teamId]));
  });

  it("reports a malformed item with its index and writes nothing", async () => {
    const { general } = await workspace();
    const bad = [...history.messages, { type: "message", user: "U0ADA", ts: "not-a-ts", text: "x" }];
    const e = await syncMessages(t.db, { channelId: general.id, messages: bad }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe("messages.3.ts");
    expect(await messagesOf(general.id)).toEqual([]);
  });

  it("advances the sync cursors with each page; a failed page leaves no gap and no duplicate", async () => {
    const { general } = await workspace();
    const page = (from: number) =>
      Array.from({ length: 5 }, (_, i) => ({
        type: "message",
        user: "U0ADA",
        ts: `17000${String(from + i).padStart(5, "0")}.000100`,
        text: `m${from + i}`,
      }));
    await syncMessages(t.db, { channelId: general.id, messages: page(0) });
    // The second page fails midway (a malformed item after good ones): nothing of it is written.
    await expect(syncMessages(t.db, { channelId: general.id, messages: [...page(5).slice(0, 3), { ts: "bad" }] })).rejects.toBeInstanceOf(
      ValidationError,
    );
    let [ch] = await t.db.select().from(slackChannels).where(eq(slackChannels.id, general.id));
    expect([ch!.oldestSyncedTs, ch!.latestSyncedTs]).toEqual(["1700000000.000100", "1700000004.000100"]);
    expect(await messagesOf(general.id)).toHaveLength(5);
    // The retry resumes from the cursor: the whole page, once.
    await syncMessages(t.db, { channelId: general.id, messages: page(5) });
    await syncMessages(t.db, { channelId: general.id, messages: page(5) });
    [ch] = await t.db.select().from(slackChannels).where(eq(slackChannels.id, general.id));
    expect(ch!.latestSyncedTs).toBe("1700000009.000100");
    expect((await messagesOf(general.id)).map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  it("stores text, JSON and emoji names exactly, whatever characters they hold", async () => {
    const { general } = await workspace();
    const odd = 'tab\there\nnew line\r\\N back\\slash "quoted" {braces}, comma\u00e9 \u{1F600}';
    const page = [
      {
        type: "message",
        user: "U0ADA",
        ts: "1700001000.000100",
        text: odd,
        attachments: [{ text: odd, n: 1 }],
        reactions: [{ name: 'a,b"c\\d{e}', users: ["U0ALAN"] }],
      },
      { type: "message", user: "U0ADA", ts: "1700001001.000100", text: "" },
    ];
    expect(await syncMessages(t.db, { channelId: general.id, messages: page })).toEqual({ messages: 2, reactions: 1 });
    const [first, second] = await messagesOf(general.id);
    expect([first!.text, first!.processedText, first!.attachments, second!.text]).toEqual([odd, odd, [{ text: odd, n: 1 }], ""]);
    const [reaction] = await t.db.select().from(slackReactions).where(eq(slackReactions.messageId, first!.id));
    expect(reaction!.emojiName).toBe('a,b"c\\d{e}');
    // Idempotent through the same path.
    expect(await syncMessages(t.db, { channelId: general.id, messages: page })).toEqual({ messages: 2, reactions: 0 });
    expect(await messagesOf(general.id)).toEqual([first, second]);
  });

  it("a NUL character the database cannot store fails the page and writes nothing", async () => {
    const { general } = await workspace();
    const page = [
      { type: "message", user: "U0ADA", ts: "1700002000.000100", text: "fine" },
      { type: "message", user: "U0ADA", ts: "1700002001.000100", text: "nul \u0000 here" },
    ];
    await expect(syncMessages(t.db, { channelId: general.id, messages: page })).rejects.toThrow();
    expect(await messagesOf(general.id)).toEqual([]);
  });

  it("resolves user mentions to display names, falling back sensibly", () => {
    expect(processSlackText("<@U1> <@U2|bob> <#C1> <mailto:a@b.c|mail> <!channel> <https://x.y>", new Map([["U1", "Ada"]]))).toBe(
      "@Ada @bob #C1 mail (mailto:a@b.c) @channel https://x.y",
    );
  });
});

describe("analyses", () => {
  beforeAll(() => undefined);

  it("counts contributions in SQL, stores scores, and ranks a leaderboard", async () => {
    const { ws, general, user } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: history.messages });
    await syncMessages(t.db, { channelId: general.id, messages: replies.messages });
    const analysis = await createAnalysis(t.db, {
      workspaceId: ws.id,
      createdByUserId: user.id,
      name: "Q4",
      startDate: new Date("2023-11-01"),
      endDate: new Date("2023-12-01"),
      channelIds: [general.id],
    });
    await setAnalysisStatus(t.db, { analysisId: analysis.id, status: "running", progress: 10 });
    expect(await computeContributions(t.db, { analysisId: analysis.id })).toBeGreaterThan(0);
    const ids = new Map((await t.db.select().from(slackUsers).where(eq(slackUsers.workspaceId, ws.id))).map((u) => [u.slackId, u.id]));
    const rows = await t.db.select().from(slackContributions).where(eq(slackContributions.analysisId, analysis.id));
    const of = (slack: string) => rows.find((r) => r.userId === ids.get(slack));
    expect(of("U0ADA")).toMatchObject({ messageCount: 1, threadReplyCount: 0, reactionReceivedCount: 3, reactionGivenCount: 0 });
    expect(of("U0ALAN")).toMatchObject({ messageCount: 1, threadReplyCount: 2, reactionGivenCount: 2, reactionReceivedCount: 0 });
    expect(of("U0BOT")).toMatchObject({ reactionGivenCount: 1 });
    await writeContributionScores(t.db, {
      analysisId: analysis.id,
      userId: ids.get("U0ALAN")!,
      channelId: general.id,
      totalScore: 88,
      insights: "Helpful",
    });
    const board = await contributionLeaderboard(t.db, { analysisId: analysis.id });
    expect(board[0]).toMatchObject({ slackId: "U0ALAN", totalScore: 88, threadReplyCount: 2 });
    const saved = await saveChannelAnalysis(t.db, {
      analysisId: analysis.id,
      channelId: general.id,
      channelSummary: "Busy",
      rawResponse: { choices: [1] },
      modelUsed: "m",
    });
    expect(saved.rawResponse).toEqual({ choices: [1] });
    const done = await setAnalysisStatus(t.db, { analysisId: analysis.id, status: "completed" });
    expect(done).toMatchObject({ status: "completed", progress: 100 });
    await expect(setAnalysisStatus(t.db, { analysisId: analysis.id, status: "running" })).rejects.toBeInstanceOf(InvariantError);
    const inRange = await channelMessages(t.db, { channelId: general.id, from: new Date(1700000000_000), to: new Date(1700000015_000) });
    expect(inRange.map((m) => m.text)).toEqual([expect.stringContaining("Hi"), "On it"]);
  });

  it("validates analyses, requires a message for failures and finds due scheduled ones", async () => {
    const { ws, general } = await workspace();
    const base = { workspaceId: ws.id, name: "x", startDate: new Date("2024-01-02"), endDate: new Date("2024-01-01"), channelIds: [general.id] };
    await expect(createAnalysis(t.db, base)).rejects.toMatchObject({ field: "endDate" });
    const scheduled = await createAnalysis(t.db, {
      ...base,
      endDate: new Date("2024-02-01"),
      isScheduled: true,
      scheduleFrequency: "weekly",
      nextRunAt: new Date(Date.now() - 1000),
    });
    expect((await dueScheduledAnalyses(t.db)).map((a) => a.id)).toContain(scheduled.id);
    await expect(setAnalysisStatus(t.db, { analysisId: scheduled.id, status: "failed" })).rejects.toMatchObject({ field: "errorMessage" });
    expect(await setAnalysisStatus(t.db, { analysisId: scheduled.id, status: "failed", errorMessage: "LLM timeout" })).toMatchObject({
      status: "failed",
    });
  });
});

describe("RLS", () => {
  it("team members read their workspace's data; others read nothing; tokens stay hidden", async () => {
    const { user, general, team } = await workspace();
    await syncMessages(t.db, { channelId: general.id, messages: history.messages });
    const viewer = await makeUser(t.db);
    await t.db.insert(teamMembers).values({ teamId: team.id, userId: viewer.id, email: viewer.email, role: "VIEWER" });
    const stranger = await makeUser(t.db);
    for (const u of [user, viewer])
      expect(await withRls(t.db, { userId: u.id }, (tx) => tx.select({ id: slackMessages.id }).from(slackMessages))).toHaveLength(3);
    expect(await withRls(t.db, { userId: stranger.id }, (tx) => tx.select({ id: slackMessages.id }).from(slackMessages))).toHaveLength(0);
    await expect(withRls(t.db, { userId: user.id }, (tx) => tx.select({ t: slackWorkspaces.accessToken }).from(slackWorkspaces))).rejects.toThrow();
    await expect(
      withRls(t.db, { userId: viewer.id }, (tx) => syncMessages(tx, { channelId: general.id, messages: history.messages })),
    ).rejects.toThrow();
  });
});
