import { and, asc, desc, eq, gte, inArray, lt, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { primaryOf, rowsOf, type Db } from "../db";
import { InvariantError, NotFoundError, rethrowDbError } from "../errors";
import { enumOf, parseInput, pgDate, pgInt, pgJson, pgJsonValue, pgText, uuid } from "../input";
import {
  slackAnalyses,
  slackAnalysisChannels,
  slackChannelAnalyses,
  slackChannels,
  slackContributions,
  slackMessages,
  slackUsers,
  slackWorkspaces,
  type SlackAnalysis,
  type SlackChannelAnalysis,
  type SlackContribution,
  type SlackMessage,
} from "../schema/slack-data";

export const createAnalysisInput = z
  .strictObject({
    workspaceId: uuid(),
    createdByUserId: uuid().optional(),
    name: pgText().trim().min(1).max(255),
    description: pgText().max(10_000).optional(),
    startDate: pgDate(),
    endDate: pgDate(),
    channelIds: z.array(uuid()).min(1).max(1000),
    parameters: pgJson().optional(),
    llmModel: pgText().max(255).optional(),
    analysisType: pgText().max(50).optional(),
    isScheduled: z.boolean().optional(),
    scheduleFrequency: enumOf(slackAnalyses.scheduleFrequency).optional(),
    nextRunAt: pgDate().optional(),
  })
  .refine((v) => v.endDate > v.startDate, { path: ["endDate"], message: "must be after startDate" })
  .refine((v) => !v.isScheduled || (v.scheduleFrequency && v.nextRunAt), {
    path: ["scheduleFrequency"],
    message: "and nextRunAt are required when scheduled",
  });
export type CreateAnalysisInput = z.input<typeof createAnalysisInput>;

/** Creates an analysis over a workspace, a date range and channels (in one transaction). */
export async function createAnalysis(db: Db, input: CreateAnalysisInput): Promise<SlackAnalysis> {
  const v = parseInput(createAnalysisInput, input);
  const { channelIds, ...values } = v;
  return db
    .transaction(async (tx) => {
      const [ws] = await tx.select({ teamId: slackWorkspaces.teamId }).from(slackWorkspaces).where(eq(slackWorkspaces.id, v.workspaceId));
      if (!ws) throw new NotFoundError("slack workspace", v.workspaceId);
      const channels = await tx
        .select({ id: slackChannels.id })
        .from(slackChannels)
        .where(and(eq(slackChannels.workspaceId, v.workspaceId), inArray(slackChannels.id, channelIds)));
      if (channels.length !== new Set(channelIds).size)
        throw new InvariantError("Every channel must belong to the workspace", "channel_not_in_workspace");
      const [analysis] = await tx
        .insert(slackAnalyses)
        .values({ ...values, teamId: ws.teamId })
        .returning();
      await tx.insert(slackAnalysisChannels).values(channels.map((c) => ({ analysisId: analysis!.id, channelId: c.id, teamId: ws.teamId })));
      return analysis!;
    })
    .catch((e: unknown) => rethrowDbError(e));
}

type AnalysisStatus = SlackAnalysis["status"];
const STATUS_FROM: Record<Exclude<AnalysisStatus, "pending">, AnalysisStatus[]> = {
  running: ["pending", "running"],
  completed: ["running"],
  failed: ["pending", "running"],
};

export const setAnalysisStatusInput = z
  .strictObject({
    analysisId: uuid(),
    status: enumOf(slackAnalyses.status).extract(["running", "completed", "failed"]),
    progress: z.number().min(0).max(100).optional(),
    errorMessage: pgText().max(10_000).optional(),
    resultSummary: pgJson().optional(),
  })
  .refine((x) => x.status !== "failed" || x.errorMessage, { path: ["errorMessage"], message: "is required when the analysis failed" });
export type SetAnalysisStatusInput = z.input<typeof setAnalysisStatusInput>;

/** pending -> running (progress 0..100) -> completed | failed (with an error message). */
export async function setAnalysisStatus(db: Db, input: SetAnalysisStatusInput): Promise<SlackAnalysis> {
  const v = parseInput(setAnalysisStatusInput, input);
  const [row] = await db
    .update(slackAnalyses)
    .set({
      status: v.status,
      progress: v.status === "completed" ? 100 : v.progress,
      errorMessage: v.errorMessage,
      resultSummary: v.resultSummary,
      completionTime: v.status === "running" ? undefined : sql`now()`,
    })
    .where(and(eq(slackAnalyses.id, v.analysisId), inArray(slackAnalyses.status, STATUS_FROM[v.status])))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (row) return row;
  const [current] = await primaryOf(db).select({ status: slackAnalyses.status }).from(slackAnalyses).where(eq(slackAnalyses.id, v.analysisId));
  if (!current) throw new NotFoundError("slack analysis", v.analysisId);
  throw new InvariantError(`An analysis cannot go from ${current.status} to ${v.status}`, "illegal_transition");
}

export const dueScheduledAnalysesInput = z.strictObject({
  /** @default new Date() */
  now: pgDate().default(() => new Date()),
});
export type DueScheduledAnalysesInput = z.input<typeof dueScheduledAnalysesInput>;

/** Scheduled analyses whose next run is due. */
export async function dueScheduledAnalyses(db: Db, input: DueScheduledAnalysesInput = {}): Promise<SlackAnalysis[]> {
  const v = parseInput(dueScheduledAnalysesInput, input);
  return db
    .select()
    .from(slackAnalyses)
    .where(and(eq(slackAnalyses.isScheduled, true), lte(slackAnalyses.nextRunAt, v.now)))
    .orderBy(asc(slackAnalyses.nextRunAt));
}

export const computeContributionsInput = z.strictObject({ analysisId: uuid() });
export type ComputeContributionsInput = z.input<typeof computeContributionsInput>;

/**
 * Counts, in SQL, each user's messages, thread replies, reactions given and reactions received per
 * channel of the analysis in its date range, and stores them as contributions (re-running
 * replaces the counts and keeps scores and insights).
 */
export async function computeContributions(db: Db, input: ComputeContributionsInput): Promise<number> {
  const v = parseInput(computeContributionsInput, input);
  const id = v.analysisId;
  const rows = await db
    .execute(sql`
    with a as (select * from shared_db.slack_analyses where id = ${id}),
    m as (
      select msg.* from shared_db.slack_messages msg
      join shared_db.slack_analysis_channels ac on ac.channel_id = msg.channel_id and ac.analysis_id = ${id}
      join a on msg.message_datetime >= a.start_date and msg.message_datetime < a.end_date
    ),
    counts as (
      select m.user_id, m.channel_id, count(*) filter (where not m.is_thread_reply) as messages,
        count(*) filter (where m.is_thread_reply) as replies, 0 as given, sum(m.reaction_count) as received
      from m where m.user_id is not null group by 1, 2
      union all
      select r.user_id, m.channel_id, 0, 0, count(*), 0
      from m join shared_db.slack_reactions r on r.message_id = m.id group by 1, 2
    )
    insert into shared_db.slack_contributions (team_id, analysis_id, user_id, channel_id, message_count, thread_reply_count, reaction_given_count, reaction_received_count)
    select (select team_id from a), ${id}::uuid, user_id, channel_id, sum(messages), sum(replies), sum(given), sum(received)
    from counts group by user_id, channel_id
    on conflict (analysis_id, user_id, channel_id, team_id) do update set message_count = excluded.message_count,
      thread_reply_count = excluded.thread_reply_count, reaction_given_count = excluded.reaction_given_count,
      reaction_received_count = excluded.reaction_received_count
    returning 1`)
    .catch((e: unknown) => rethrowDbError(e));
  return rowsOf(rows).length;
}

export const writeContributionScoresInput = z.strictObject({
  analysisId: uuid(),
  userId: uuid(),
  channelId: uuid(),
  problemSolvingScore: z.number().min(0).max(100).optional(),
  knowledgeSharingScore: z.number().min(0).max(100).optional(),
  teamCoordinationScore: z.number().min(0).max(100).optional(),
  engagementScore: z.number().min(0).max(100).optional(),
  totalScore: z.number().min(0).max(100).optional(),
  notableContributions: z.array(z.strictObject({ messageId: uuid(), reason: pgText().max(2000) })).optional(),
  insights: pgText().max(100_000).optional(),
  insightsData: pgJson().optional(),
});
export type WriteContributionScoresInput = z.input<typeof writeContributionScoresInput>;

/** Writes scores and insights (from an LLM, outside this library) onto a computed contribution. */
export async function writeContributionScores(db: Db, input: WriteContributionScoresInput): Promise<SlackContribution> {
  const v = parseInput(writeContributionScoresInput, input);
  const { analysisId, userId, channelId, ...scores } = v;
  const [row] = await db
    .update(slackContributions)
    .set(scores)
    .where(and(eq(slackContributions.analysisId, analysisId), eq(slackContributions.userId, userId), eq(slackContributions.channelId, channelId)))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("slack contribution", `${analysisId}/${userId}/${channelId}`);
  return row;
}

export const saveChannelAnalysisInput = z.strictObject({
  analysisId: uuid(),
  channelId: uuid(),
  startDate: pgDate().optional(),
  endDate: pgDate().optional(),
  messageCount: pgInt().min(0).optional(),
  participantCount: pgInt().min(0).optional(),
  threadCount: pgInt().min(0).optional(),
  reactionCount: pgInt().min(0).optional(),
  channelSummary: pgText().max(100_000).optional(),
  topicAnalysis: pgText().max(100_000).optional(),
  contributorInsights: pgText().max(100_000).optional(),
  keyHighlights: pgText().max(100_000).optional(),
  modelUsed: pgText().max(255).optional(),
  rawResponse: pgJsonValue(),
  /** @default "completed" */
  status: enumOf(slackChannelAnalyses.status).default("completed"),
  errorMessage: pgText().max(10_000).optional(),
});
export type SaveChannelAnalysisInput = z.input<typeof saveChannelAnalysisInput>;

/** Stores (or replaces) the LLM's per-channel result, raw response included. */
export async function saveChannelAnalysis(db: Db, input: SaveChannelAnalysisInput): Promise<SlackChannelAnalysis> {
  const v = parseInput(saveChannelAnalysisInput, input);
  const [a] = await primaryOf(db).select({ teamId: slackAnalyses.teamId }).from(slackAnalyses).where(eq(slackAnalyses.id, v.analysisId));
  if (!a) throw new NotFoundError("slack analysis", v.analysisId);
  const { analysisId, channelId, ...rest } = v;
  const values = { ...rest, rawResponse: v.rawResponse ?? null, generatedAt: new Date() };
  const [row] = await db
    .insert(slackChannelAnalyses)
    .values({ analysisId, channelId, teamId: a.teamId, ...values })
    .onConflictDoUpdate({ target: [slackChannelAnalyses.analysisId, slackChannelAnalyses.channelId, slackChannelAnalyses.teamId], set: values })
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  return row!;
}

export const channelMessagesInput = z.strictObject({
  channelId: uuid(),
  from: pgDate(),
  to: pgDate(),
  /** @default 1000 */
  limit: pgInt().min(1).max(10_000).default(1000),
});
export type ChannelMessagesInput = z.input<typeof channelMessagesInput>;

/** A channel's messages in [from, to), oldest first (the channel_id/slack_ts index). */
export async function channelMessages(db: Db, input: ChannelMessagesInput): Promise<SlackMessage[]> {
  const v = parseInput(channelMessagesInput, input);
  const fromTs = (v.from.getTime() / 1000).toFixed(6);
  const toTs = (v.to.getTime() / 1000).toFixed(6);
  return db
    .select()
    .from(slackMessages)
    .where(and(eq(slackMessages.channelId, v.channelId), gte(slackMessages.slackTs, fromTs), lt(slackMessages.slackTs, toTs)))
    .orderBy(asc(slackMessages.slackTs))
    .limit(v.limit);
}

export const threadWithRepliesInput = z.strictObject({
  channelId: uuid(),
  threadTs: pgText()
    .max(50)
    .regex(/^\d+\.\d+$/),
});
export type ThreadWithRepliesInput = z.input<typeof threadWithRepliesInput>;

/** A thread: its parent and replies in order. */
export async function threadWithReplies(db: Db, input: ThreadWithRepliesInput): Promise<SlackMessage[]> {
  const v = parseInput(threadWithRepliesInput, input);
  return db
    .select()
    .from(slackMessages)
    .where(and(eq(slackMessages.channelId, v.channelId), eq(slackMessages.threadTs, v.threadTs)))
    .orderBy(asc(slackMessages.slackTs));
}

export const contributionLeaderboardInput = z.strictObject({
  analysisId: uuid(),
  /** @default 20 */
  limit: pgInt().min(1).max(10_000).default(20),
});
export type ContributionLeaderboardInput = z.input<typeof contributionLeaderboardInput>;

/** Contributors of an analysis, best first (total score, then messages), summed over channels. */
export async function contributionLeaderboard(db: Db, input: ContributionLeaderboardInput) {
  const v = parseInput(contributionLeaderboardInput, input);
  return db
    .select({
      userId: slackContributions.userId,
      slackId: slackUsers.slackId,
      displayName: sql<string | null>`coalesce(${slackUsers.displayName}, ${slackUsers.realName}, ${slackUsers.name})`,
      totalScore: sql<number | null>`sum(${slackContributions.totalScore})`,
      messageCount: sql<number>`sum(${slackContributions.messageCount})::int`,
      threadReplyCount: sql<number>`sum(${slackContributions.threadReplyCount})::int`,
      reactionReceivedCount: sql<number>`sum(${slackContributions.reactionReceivedCount})::int`,
    })
    .from(slackContributions)
    .innerJoin(slackUsers, eq(slackUsers.id, slackContributions.userId))
    .where(eq(slackContributions.analysisId, v.analysisId))
    .groupBy(slackContributions.userId, slackUsers.slackId, slackUsers.displayName, slackUsers.realName, slackUsers.name)
    .orderBy(sql`sum(${slackContributions.totalScore}) desc nulls last`, desc(sql`sum(${slackContributions.messageCount})`))
    .limit(v.limit);
}
