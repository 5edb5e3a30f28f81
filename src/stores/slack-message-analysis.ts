import { and, asc, desc, eq, gte, isNull, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { primaryOf, rowsOf, type Db } from "../db";
import { InvariantError, NotFoundError, rethrowDbError } from "../errors";
import { enumOf, parseInput, pgDate, pgJsonValue, pgText, uuid } from "../input";
import {
  slackAnalyses,
  slackContributions,
  slackMessages,
  type SlackAnalysis,
  type SlackContribution,
  type SlackMessage,
} from "../schema/slack-data";
import { writeContributionScoresInput } from "./slack-analysis";

const category = pgText().trim().min(1).max(100);
const sentiment = z.number().min(-1).max(1);

export const recordMessageAnalysisInput = z.strictObject({
  channelId: uuid(),
  results: z
    .array(
      z.strictObject({
        messageId: uuid(),
        /** e.g. question, answer, announcement. */
        messageCategory: category.nullable().optional(),
        /** From -1 (negative) to 1 (positive). */
        sentimentScore: sentiment.nullable().optional(),
        analysisData: pgJsonValue().optional(),
      }),
    )
    .min(1)
    .max(10_000)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((r, i) => {
        if (seen.has(r.messageId)) ctx.addIssue({ code: "custom", path: [i, "messageId"], message: "repeats an earlier item" });
        seen.add(r.messageId);
      });
    }),
});
export type RecordMessageAnalysisInput = z.input<typeof recordMessageAnalysisInput>;

/**
 * Writes per-message analysis results of one channel and marks the messages analysed (service
 * work, one statement). All or nothing: a message not in the channel is a NotFoundError naming it.
 */
export async function recordMessageAnalysis(db: Db, input: RecordMessageAnalysisInput): Promise<number> {
  const v = parseInput(recordMessageAnalysisInput, input);
  const rows = v.results.map((r) => ({
    id: r.messageId,
    category: r.messageCategory ?? null,
    sentiment: r.sentimentScore ?? null,
    data: r.analysisData === undefined ? null : r.analysisData,
  }));
  return db
    .transaction(async (tx) => {
      const result = await tx.execute(sql`
        update shared_db.slack_messages m set is_analyzed = true, message_category = r.category, sentiment_score = r.sentiment, analysis_data = r.data
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, category text, sentiment float8, data jsonb)
        where m.id = r.id and m.channel_id = ${v.channelId}
        returning m.id`);
      const updated = new Set(rowsOf<{ id: string }>(result).map((r) => r.id));
      const missing = rows.findIndex((r) => !updated.has(r.id));
      if (missing >= 0) throw new NotFoundError("slack message", rows[missing]!.id, { field: `results.${missing}.messageId` });
      return updated.size;
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const listUnanalyzedMessagesInput = z.strictObject({
  channelId: uuid(),
  /** @default 500 */
  limit: z.number().int().min(1).max(10_000).default(500),
});
export type ListUnanalyzedMessagesInput = z.input<typeof listUnanalyzedMessagesInput>;

/** The channel's messages not analysed yet, oldest first: the next batch for an analysis job. */
export async function listUnanalyzedMessages(db: Db, input: ListUnanalyzedMessagesInput): Promise<SlackMessage[]> {
  const v = parseInput(listUnanalyzedMessagesInput, input);
  return db
    .select()
    .from(slackMessages)
    .where(and(eq(slackMessages.channelId, v.channelId), eq(slackMessages.isAnalyzed, false)))
    .orderBy(asc(slackMessages.messageDatetime))
    .limit(v.limit);
}

export const findAnalyzedMessagesInput = z
  .strictObject({
    channelId: uuid(),
    messageCategory: category.optional(),
    minSentiment: sentiment.optional(),
    maxSentiment: sentiment.optional(),
    /** @default 100 */
    limit: z.number().int().min(1).max(10_000).default(100),
  })
  .refine((v) => v.minSentiment === undefined || v.maxSentiment === undefined || v.minSentiment <= v.maxSentiment, {
    path: ["maxSentiment"],
    message: "must not be below minSentiment",
  });
export type FindAnalyzedMessagesInput = z.input<typeof findAnalyzedMessagesInput>;

/** Analysed messages of a channel by category and sentiment range, newest first. */
export async function findAnalyzedMessages(db: Db, input: FindAnalyzedMessagesInput): Promise<SlackMessage[]> {
  const v = parseInput(findAnalyzedMessagesInput, input);
  return db
    .select()
    .from(slackMessages)
    .where(
      and(
        eq(slackMessages.channelId, v.channelId),
        eq(slackMessages.isAnalyzed, true),
        v.messageCategory === undefined ? undefined : eq(slackMessages.messageCategory, v.messageCategory),
        v.minSentiment === undefined ? undefined : gte(slackMessages.sentimentScore, v.minSentiment),
        v.maxSentiment === undefined ? undefined : lte(slackMessages.sentimentScore, v.maxSentiment),
      ),
    )
    .orderBy(desc(slackMessages.messageDatetime))
    .limit(v.limit);
}

const STEP: Record<NonNullable<SlackAnalysis["scheduleFrequency"]>, string> = { daily: "1 day", weekly: "7 days", monthly: "1 month" };

export const completeScheduledRunInput = z.strictObject({
  analysisId: uuid(),
  /** @default the database's now() */
  now: pgDate().optional(),
});
export type CompleteScheduledRunInput = z.input<typeof completeScheduledRunInput>;

/**
 * After a run of a scheduled analysis, moves next_run_at forward by its frequency to the first
 * time after now (runs missed while the job was down are skipped, not replayed) and sets the
 * status back to pending for the next run (service work).
 */
export async function completeScheduledRun(db: Db, input: CompleteScheduledRunInput): Promise<SlackAnalysis> {
  const v = parseInput(completeScheduledRunInput, input);
  // ISO strings: the postgres.js driver takes no Date in raw SQL.
  const now = v.now ? v.now.toISOString() : sql`now()`;
  return db
    .transaction(async (tx) => {
      const [a] = await tx
        .select({ isScheduled: slackAnalyses.isScheduled, frequency: slackAnalyses.scheduleFrequency, nextRunAt: slackAnalyses.nextRunAt })
        .from(slackAnalyses)
        .where(eq(slackAnalyses.id, v.analysisId))
        .for("update");
      if (!a) throw new NotFoundError("slack analysis", v.analysisId, { field: "analysisId" });
      const step = a.frequency ? STEP[a.frequency] : undefined;
      if (!a.isScheduled || !step || !a.nextRunAt)
        throw new InvariantError("Only a scheduled analysis with a frequency and a next run advances", "not_scheduled");
      // next + k * step for the smallest k >= 1 after now (a separate SELECT: a set-returning
      // function in a correlated subquery of UPDATE ... SET trips an internal error on PostgreSQL 15).
      const last = a.nextRunAt.toISOString();
      const next = await tx.execute(sql`
        select t as "at" from generate_series(${last}::timestamptz + ${step}::interval,
          greatest(${now}::timestamptz, ${last}::timestamptz) + ${step}::interval, ${step}::interval) t
        where t > ${now}::timestamptz order by t limit 1`);
      const at = rowsOf<{ at: string | Date }>(next)[0]!.at;
      const [row] = await tx
        .update(slackAnalyses)
        .set({ nextRunAt: new Date(at), status: "pending", progress: 0, errorMessage: null })
        .where(eq(slackAnalyses.id, v.analysisId))
        .returning();
      return row!;
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const listAnalysesInput = z.strictObject({
  workspaceId: uuid(),
  status: enumOf(slackAnalyses.status).optional(),
  /** @default 100 */
  limit: z.number().int().min(1).max(1000).default(100),
});
export type ListAnalysesInput = z.input<typeof listAnalysesInput>;

/** A workspace's analyses, newest first (user work sees its teams' only). */
export async function listAnalyses(db: Db, input: ListAnalysesInput): Promise<SlackAnalysis[]> {
  const v = parseInput(listAnalysesInput, input);
  return db
    .select()
    .from(slackAnalyses)
    .where(and(eq(slackAnalyses.workspaceId, v.workspaceId), v.status === undefined ? undefined : eq(slackAnalyses.status, v.status)))
    .orderBy(desc(slackAnalyses.createdAt), desc(slackAnalyses.id))
    .limit(v.limit);
}

export const computeOverallContributionsInput = z.strictObject({ analysisId: uuid() });
export type ComputeOverallContributionsInput = z.input<typeof computeOverallContributionsInput>;

/**
 * Sums each user's per-channel contribution counts into one overall row (channel_id NULL) per
 * user of the analysis (service work, after computeContributions). Re-running replaces the counts
 * and keeps the overall scores and insights.
 */
export async function computeOverallContributions(db: Db, input: ComputeOverallContributionsInput): Promise<number> {
  const v = parseInput(computeOverallContributionsInput, input);
  const [a] = await primaryOf(db).select({ teamId: slackAnalyses.teamId }).from(slackAnalyses).where(eq(slackAnalyses.id, v.analysisId));
  if (!a) throw new NotFoundError("slack analysis", v.analysisId, { field: "analysisId" });
  const rows = await db
    .execute(sql`
      insert into shared_db.slack_contributions (team_id, analysis_id, user_id, channel_id, message_count, thread_reply_count, reaction_given_count, reaction_received_count)
      select team_id, analysis_id, user_id, null, sum(message_count), sum(thread_reply_count), sum(reaction_given_count), sum(reaction_received_count)
      from shared_db.slack_contributions where analysis_id = ${v.analysisId} and team_id = ${a.teamId} and channel_id is not null
      group by team_id, analysis_id, user_id
      on conflict (analysis_id, user_id, channel_id, team_id) do update set message_count = excluded.message_count,
        thread_reply_count = excluded.thread_reply_count, reaction_given_count = excluded.reaction_given_count,
        reaction_received_count = excluded.reaction_received_count
      returning 1`)
    .catch((e: unknown) => rethrowDbError(e));
  return rowsOf(rows).length;
}

export const writeOverallContributionScoresInput = writeContributionScoresInput.omit({ channelId: true });
export type WriteOverallContributionScoresInput = z.input<typeof writeOverallContributionScoresInput>;

/** Writes scores and insights onto a user's overall contribution row (after computeOverallContributions). */
export async function writeOverallContributionScores(db: Db, input: WriteOverallContributionScoresInput): Promise<SlackContribution> {
  const v = parseInput(writeOverallContributionScoresInput, input);
  const { analysisId, userId, ...scores } = v;
  const [row] = await db
    .update(slackContributions)
    .set(scores)
    .where(and(eq(slackContributions.analysisId, analysisId), eq(slackContributions.userId, userId), isNull(slackContributions.channelId)))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("slack contribution", `${analysisId}/${userId}/overall`);
  return row;
}
