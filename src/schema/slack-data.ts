import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  boolean,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { rowId, sharedDb, timestamps } from "./namespace";
import { inTeamsWithRole, serviceAccess, userPolicy } from "./policies";
import { teams } from "./teams";

/**
 * Every Slack data table carries team_id, the tenant key: RLS is one indexed comparison with the
 * current user's teams, and each table can be distributed by it. Child rows reference their
 * parent by (id, team_id), so they always stay in the parent's tenant.
 */
const tenant = () => ({
  teamId: uuid("team_id")
    .notNull()
    .references(() => teams.id, { onDelete: "cascade" }),
});
/**
 * The tenant key of a table whose composite key to its parent already proves the team exists
 * (messages through their channel, reactions through their message): one foreign-key check per
 * synced row instead of two. Deleting the team still cascades through the parent.
 */
const tenantViaParent = () => ({ teamId: uuid("team_id").notNull() });
/** Service work writes Slack data; every member of the tenant team reads it. */
const teamReads = (table: string, teamId: AnyPgColumn) => [
  serviceAccess(table),
  userPolicy(`${table}_select_team`, "select", inTeamsWithRole(teamId, "VIEWER")),
];
const ts = (name: string) => varchar(name, { length: 50 });
const within = (name: string, cols: AnyPgColumn[], parent: AnyPgColumn[]) =>
  foreignKey({ name, columns: cols as [AnyPgColumn, ...AnyPgColumn[]], foreignColumns: parent as [AnyPgColumn, ...AnyPgColumn[]] }).onDelete(
    "cascade",
  );

export const slackWorkspaces = sharedDb.table(
  "slack_workspaces",
  {
    id: rowId(),
    ...tenant(),
    slackId: varchar("slack_id", { length: 255 }).notNull().unique("slack_workspaces_slack_id_key"),
    name: varchar("name", { length: 255 }),
    domain: varchar("domain", { length: 255 }),
    iconUrl: varchar("icon_url", { length: 1024 }),
    teamSize: integer("team_size"),
    workspaceMetadata: jsonb("workspace_metadata").$type<Record<string, unknown>>().notNull().default({}),
    isConnected: boolean("is_connected").notNull().default(true),
    connectionStatus: varchar("connection_status", { length: 50 }),
    lastConnectedAt: timestamp("last_connected_at", { withTimezone: true }),
    lastSyncAt: timestamp("last_sync_at", { withTimezone: true }),
    /** Keyring ciphertext bound to (slack_workspaces, access_token, id). */
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    tokenExpiresAt: timestamp("token_expires_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "slack_workspaces_pkey", columns: [t.id, t.teamId] }),
    index("slack_workspaces_team_id_idx").on(t.teamId),
    ...teamReads("slack_workspaces", t.teamId),
  ],
);

export const slackChannels = sharedDb.table(
  "slack_channels",
  {
    id: rowId(),
    ...tenant(),
    workspaceId: uuid("workspace_id").notNull(),
    slackId: varchar("slack_id", { length: 255 }).notNull(),
    name: varchar("name", { length: 255 }),
    type: varchar("type", { length: 50 }).notNull().default("public"),
    purpose: varchar("purpose", { length: 1024 }),
    topic: varchar("topic", { length: 1024 }),
    memberCount: integer("member_count"),
    isArchived: boolean("is_archived").notNull().default(false),
    createdAtTs: ts("created_at_ts"),
    hasBot: boolean("has_bot").notNull().default(false),
    botJoinedAt: timestamp("bot_joined_at", { withTimezone: true }),
    isSelectedForAnalysis: boolean("is_selected_for_analysis").notNull().default(false),
    isSupported: boolean("is_supported").notNull().default(true),
    lastSyncAt: timestamp("last_sync_at", { withTimezone: true }),
    oldestSyncedTs: ts("oldest_synced_ts"),
    latestSyncedTs: ts("latest_synced_ts"),
    ...timestamps(),
  },
  (t) => [
    unique("slack_channels_workspace_id_slack_id_team_id_key").on(t.workspaceId, t.slackId, t.teamId),
    primaryKey({ name: "slack_channels_pkey", columns: [t.id, t.teamId] }),
    index("slack_channels_team_id_idx").on(t.teamId),
    within("slack_channels_workspace_fk", [t.workspaceId, t.teamId], [slackWorkspaces.id, slackWorkspaces.teamId]),
    ...teamReads("slack_channels", t.teamId),
    // Choosing channels for analysis; a column grant limits the update to is_selected_for_analysis.
    userPolicy("slack_channels_update_admin", "update", inTeamsWithRole(t.teamId, "ADMIN")),
  ],
);

export const slackUsers = sharedDb.table(
  "slack_users",
  {
    id: rowId(),
    ...tenant(),
    workspaceId: uuid("workspace_id").notNull(),
    slackId: varchar("slack_id", { length: 255 }).notNull(),
    name: varchar("name", { length: 255 }),
    displayName: varchar("display_name", { length: 255 }),
    realName: varchar("real_name", { length: 255 }),
    email: varchar("email", { length: 255 }),
    title: varchar("title", { length: 255 }),
    phone: varchar("phone", { length: 50 }),
    timezone: varchar("timezone", { length: 100 }),
    timezoneOffset: integer("timezone_offset"),
    profileImageUrl: varchar("profile_image_url", { length: 1024 }),
    isBot: boolean("is_bot").notNull().default(false),
    isAdmin: boolean("is_admin").notNull().default(false),
    isDeleted: boolean("is_deleted").notNull().default(false),
    profileData: jsonb("profile_data").$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    unique("slack_users_workspace_id_slack_id_team_id_key").on(t.workspaceId, t.slackId, t.teamId),
    primaryKey({ name: "slack_users_pkey", columns: [t.id, t.teamId] }),
    index("slack_users_team_id_idx").on(t.teamId),
    within("slack_users_workspace_fk", [t.workspaceId, t.teamId], [slackWorkspaces.id, slackWorkspaces.teamId]),
    ...teamReads("slack_users", t.teamId),
  ],
);

export const slackMessages = sharedDb.table(
  "slack_messages",
  {
    id: rowId(),
    ...tenantViaParent(),
    channelId: uuid("channel_id").notNull(),
    userId: uuid("user_id"),
    parentId: uuid("parent_id"),
    slackId: varchar("slack_id", { length: 255 }),
    slackTs: ts("slack_ts").notNull(),
    text: text("text"),
    processedText: text("processed_text"),
    messageType: varchar("message_type", { length: 50 }).notNull().default("message"),
    subtype: varchar("subtype", { length: 50 }),
    isEdited: boolean("is_edited").notNull().default(false),
    editedTs: ts("edited_ts"),
    hasAttachments: boolean("has_attachments").notNull().default(false),
    attachments: jsonb("attachments"),
    files: jsonb("files"),
    threadTs: ts("thread_ts"),
    isThreadParent: boolean("is_thread_parent").notNull().default(false),
    isThreadReply: boolean("is_thread_reply").notNull().default(false),
    replyCount: integer("reply_count").notNull().default(0),
    replyUsersCount: integer("reply_users_count").notNull().default(0),
    reactionCount: integer("reaction_count").notNull().default(0),
    messageDatetime: timestamp("message_datetime", { withTimezone: true }).notNull(),
    isAnalyzed: boolean("is_analyzed").notNull().default(false),
    messageCategory: varchar("message_category", { length: 100 }),
    sentimentScore: doublePrecision("sentiment_score"),
    analysisData: jsonb("analysis_data"),
    ...timestamps(),
  },
  (t) => [
    // The idempotency key of a sync; also the channel_id/slack_ts performance index.
    unique("slack_messages_channel_id_slack_ts_team_id_key").on(t.channelId, t.slackTs, t.teamId),
    primaryKey({ name: "slack_messages_pkey", columns: [t.id, t.teamId] }),
    index("slack_messages_user_id_slack_ts_idx").on(t.userId, t.slackTs),
    index("slack_messages_message_datetime_idx").on(t.messageDatetime),
    index("slack_messages_thread_ts_idx").on(t.channelId, t.threadTs),
    index("slack_messages_team_id_idx").on(t.teamId),
    within("slack_messages_channel_fk", [t.channelId, t.teamId], [slackChannels.id, slackChannels.teamId]),
    within("slack_messages_user_fk", [t.userId, t.teamId], [slackUsers.id, slackUsers.teamId]),
    // Within the tenant too; the migration says ON DELETE SET NULL (parent_id), so deleting a
    // parent clears only the reply's parent_id, never its team_id.
    foreignKey({ name: "slack_messages_parent_fk", columns: [t.parentId, t.teamId], foreignColumns: [t.id, t.teamId] }).onDelete("set null"),
    ...teamReads("slack_messages", t.teamId),
  ],
);

export const slackReactions = sharedDb.table(
  "slack_reactions",
  {
    id: rowId(),
    ...tenantViaParent(),
    messageId: uuid("message_id").notNull(),
    userId: uuid("user_id").notNull(),
    emojiName: varchar("emoji_name", { length: 255 }).notNull(),
    emojiCode: varchar("emoji_code", { length: 255 }),
    reactionTs: ts("reaction_ts"),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "slack_reactions_pkey", columns: [t.id, t.teamId] }),
    unique("slack_reactions_message_id_user_id_emoji_name_team_id_key").on(t.messageId, t.userId, t.emojiName, t.teamId),
    index("slack_reactions_user_id_idx").on(t.userId),
    index("slack_reactions_team_id_idx").on(t.teamId),
    within("slack_reactions_message_fk", [t.messageId, t.teamId], [slackMessages.id, slackMessages.teamId]),
    within("slack_reactions_user_fk", [t.userId, t.teamId], [slackUsers.id, slackUsers.teamId]),
    ...teamReads("slack_reactions", t.teamId),
  ],
);

export const slackAnalyses = sharedDb.table(
  "slack_analyses",
  {
    id: rowId(),
    ...tenant(),
    workspaceId: uuid("workspace_id").notNull(),
    createdByUserId: uuid("created_by_user_id"),
    name: varchar("name", { length: 255 }).notNull(),
    description: text("description"),
    startDate: timestamp("start_date", { withTimezone: true }).notNull(),
    endDate: timestamp("end_date", { withTimezone: true }).notNull(),
    parameters: jsonb("parameters").$type<Record<string, unknown>>().notNull().default({}),
    llmModel: varchar("llm_model", { length: 255 }),
    analysisType: varchar("analysis_type", { length: 50 }).notNull().default("contribution"),
    isScheduled: boolean("is_scheduled").notNull().default(false),
    scheduleFrequency: varchar("schedule_frequency", { length: 50, enum: ["daily", "weekly", "monthly"] }),
    nextRunAt: timestamp("next_run_at", { withTimezone: true }),
    status: varchar("status", { length: 50, enum: ["pending", "running", "completed", "failed"] })
      .notNull()
      .default("pending"),
    progress: doublePrecision("progress").notNull().default(0),
    errorMessage: text("error_message"),
    resultSummary: jsonb("result_summary"),
    completionTime: timestamp("completion_time", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "slack_analyses_pkey", columns: [t.id, t.teamId] }),
    index("slack_analyses_team_id_idx").on(t.teamId),
    index("slack_analyses_due_idx").on(t.nextRunAt).where(sql`${t.isScheduled}`),
    within("slack_analyses_workspace_fk", [t.workspaceId, t.teamId], [slackWorkspaces.id, slackWorkspaces.teamId]),
    ...teamReads("slack_analyses", t.teamId),
  ],
);

/** The channels an analysis covers (many-to-many). */
export const slackAnalysisChannels = sharedDb.table(
  "slack_analysis_channels",
  {
    analysisId: uuid("analysis_id").notNull(),
    channelId: uuid("channel_id").notNull(),
    ...tenant(),
  },
  (t) => [
    primaryKey({ name: "slack_analysis_channels_pkey", columns: [t.analysisId, t.channelId, t.teamId] }),
    index("slack_analysis_channels_team_id_idx").on(t.teamId),
    within("slack_analysis_channels_analysis_fk", [t.analysisId, t.teamId], [slackAnalyses.id, slackAnalyses.teamId]),
    within("slack_analysis_channels_channel_fk", [t.channelId, t.teamId], [slackChannels.id, slackChannels.teamId]),
    ...teamReads("slack_analysis_channels", t.teamId),
  ],
);

export const slackContributions = sharedDb.table(
  "slack_contributions",
  {
    id: rowId(),
    ...tenant(),
    analysisId: uuid("analysis_id").notNull(),
    userId: uuid("user_id").notNull(),
    /** NULL: the user's overall row for the analysis, across its channels. */
    channelId: uuid("channel_id"),
    problemSolvingScore: doublePrecision("problem_solving_score"),
    knowledgeSharingScore: doublePrecision("knowledge_sharing_score"),
    teamCoordinationScore: doublePrecision("team_coordination_score"),
    engagementScore: doublePrecision("engagement_score"),
    totalScore: doublePrecision("total_score"),
    messageCount: integer("message_count").notNull().default(0),
    threadReplyCount: integer("thread_reply_count").notNull().default(0),
    reactionGivenCount: integer("reaction_given_count").notNull().default(0),
    reactionReceivedCount: integer("reaction_received_count").notNull().default(0),
    notableContributions: jsonb("notable_contributions"),
    insights: text("insights"),
    insightsData: jsonb("insights_data"),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "slack_contributions_pkey", columns: [t.id, t.teamId] }),
    unique("slack_contributions_analysis_id_user_id_channel_id_team_id_key").on(t.analysisId, t.userId, t.channelId, t.teamId).nullsNotDistinct(),
    index("slack_contributions_team_id_idx").on(t.teamId),
    within("slack_contributions_analysis_fk", [t.analysisId, t.teamId], [slackAnalyses.id, slackAnalyses.teamId]),
    within("slack_contributions_user_fk", [t.userId, t.teamId], [slackUsers.id, slackUsers.teamId]),
    within("slack_contributions_channel_fk", [t.channelId, t.teamId], [slackChannels.id, slackChannels.teamId]),
    ...teamReads("slack_contributions", t.teamId),
  ],
);

export const slackChannelAnalyses = sharedDb.table(
  "slack_channel_analyses",
  {
    id: rowId(),
    ...tenant(),
    analysisId: uuid("analysis_id").notNull(),
    channelId: uuid("channel_id").notNull(),
    startDate: timestamp("start_date", { withTimezone: true }),
    endDate: timestamp("end_date", { withTimezone: true }),
    messageCount: integer("message_count"),
    participantCount: integer("participant_count"),
    threadCount: integer("thread_count"),
    reactionCount: integer("reaction_count"),
    channelSummary: text("channel_summary"),
    topicAnalysis: text("topic_analysis"),
    contributorInsights: text("contributor_insights"),
    keyHighlights: text("key_highlights"),
    modelUsed: varchar("model_used", { length: 255 }),
    generatedAt: timestamp("generated_at", { withTimezone: true }),
    rawResponse: jsonb("raw_response"),
    status: varchar("status", { length: 50, enum: ["completed", "failed"] })
      .notNull()
      .default("completed"),
    errorMessage: text("error_message"),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "slack_channel_analyses_pkey", columns: [t.id, t.teamId] }),
    unique("slack_channel_analyses_analysis_id_channel_id_team_id_key").on(t.analysisId, t.channelId, t.teamId),
    index("slack_channel_analyses_team_id_idx").on(t.teamId),
    within("slack_channel_analyses_analysis_fk", [t.analysisId, t.teamId], [slackAnalyses.id, slackAnalyses.teamId]),
    within("slack_channel_analyses_channel_fk", [t.channelId, t.teamId], [slackChannels.id, slackChannels.teamId]),
    ...teamReads("slack_channel_analyses", t.teamId),
  ],
);

export type SlackWorkspace = typeof slackWorkspaces.$inferSelect;
export type SlackChannel = typeof slackChannels.$inferSelect;
export type SlackUser = typeof slackUsers.$inferSelect;
export type SlackMessage = typeof slackMessages.$inferSelect;
export type SlackReaction = typeof slackReactions.$inferSelect;
export type SlackAnalysis = typeof slackAnalyses.$inferSelect;
export type SlackContribution = typeof slackContributions.$inferSelect;
export type SlackChannelAnalysis = typeof slackChannelAnalyses.$inferSelect;
