import { and, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { slackWorkspaceTokenAad as tokenAad } from "../crypto/aad";
import { primaryOf, type Db } from "../db";
import { ForbiddenError, NotFoundError, rethrowDbError } from "../errors";
import { keyring, parseInput, pgDate, pgInt, pgJson, pgText, slackId, slackTs, uuid } from "../input";
import {
  slackChannels,
  slackMessages,
  slackReactions,
  slackUsers,
  slackWorkspaces,
  type SlackChannel,
  type SlackReaction,
  type SlackUser,
  type SlackWorkspace,
} from "../schema/slack-data";

/** The workspace's (id, team) key, read on the primary: writes follow. */
async function workspaceKey(db: Db, workspaceId: string) {
  const [ws] = await primaryOf(db)
    .select({ id: slackWorkspaces.id, teamId: slackWorkspaces.teamId })
    .from(slackWorkspaces)
    .where(eq(slackWorkspaces.id, workspaceId));
  if (!ws) throw new NotFoundError("slack workspace", workspaceId);
  return ws;
}
const byKey = (ws: { id: string; teamId: string }) => and(eq(slackWorkspaces.id, ws.id), eq(slackWorkspaces.teamId, ws.teamId));

/** A workspace as user work may read it: every column but the two token columns. */
export type SlackWorkspaceInfo = Omit<SlackWorkspace, "accessToken" | "refreshToken">;
const { accessToken: _accessToken, refreshToken: _refreshToken, ...workspaceInfoColumns } = getTableColumns(slackWorkspaces);

export const listSlackWorkspacesInput = z.strictObject({
  /** Only this team's workspaces. @default every team the caller may read */
  teamId: uuid().optional(),
});
export type ListSlackWorkspacesInput = z.input<typeof listSlackWorkspacesInput>;

/**
 * The Slack workspaces the caller may see, by name: under `withRls`, those of the user's teams
 * (any role). No token column is read, so user work, which may not select them, can call it.
 *
 * @example
 * const workspaces = await withRls(db, { userId }, (tx) => listSlackWorkspaces(tx));
 */
export async function listSlackWorkspaces(db: Db, input: ListSlackWorkspacesInput = {}): Promise<SlackWorkspaceInfo[]> {
  const v = parseInput(listSlackWorkspacesInput, input);
  return db
    .select(workspaceInfoColumns)
    .from(slackWorkspaces)
    .where(v.teamId === undefined ? undefined : eq(slackWorkspaces.teamId, v.teamId))
    .orderBy(slackWorkspaces.name, slackWorkspaces.id);
}

export const connectSlackWorkspaceInput = z.strictObject({
  keyring: keyring(),
  workspaceId: uuid(),
  accessToken: pgText().min(1).max(8192),
  refreshToken: pgText().min(1).max(8192).optional(),
  tokenExpiresAt: pgDate().nullable().optional(),
  teamSize: pgInt().nonnegative().optional(),
  workspaceMetadata: pgJson().optional(),
  /** @default "connected" */
  connectionStatus: pgText().min(1).max(50).default("connected"),
});
export type ConnectSlackWorkspaceInput = z.input<typeof connectSlackWorkspaceInput>;

/**
 * Stores the workspace's tokens (encrypted, bound to the row and column) and marks it connected
 * (service work, e.g. after OAuth). A refresh token not given is cleared: a new grant replaces the old.
 *
 * @example
 * await connectSlackWorkspace(db, { keyring, workspaceId, accessToken: "xoxp-…", tokenExpiresAt });
 */
export async function connectSlackWorkspace(db: Db, input: ConnectSlackWorkspaceInput): Promise<SlackWorkspace> {
  const v = parseInput(connectSlackWorkspaceInput, input);
  const ws = await workspaceKey(db, v.workspaceId);
  const [row] = await db
    .update(slackWorkspaces)
    .set({
      accessToken: v.keyring.encrypt(v.accessToken, tokenAad("access_token", ws.id)),
      refreshToken: v.refreshToken === undefined ? null : v.keyring.encrypt(v.refreshToken, tokenAad("refresh_token", ws.id)),
      tokenExpiresAt: v.tokenExpiresAt ?? null,
      teamSize: v.teamSize,
      workspaceMetadata: v.workspaceMetadata,
      isConnected: true,
      connectionStatus: v.connectionStatus,
      lastConnectedAt: sql`now()`,
    })
    .where(byKey(ws))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  return row!;
}

export const disconnectSlackWorkspaceInput = z.strictObject({
  workspaceId: uuid(),
  /** @default "disconnected" */
  connectionStatus: pgText().min(1).max(50).default("disconnected"),
});
export type DisconnectSlackWorkspaceInput = z.input<typeof disconnectSlackWorkspaceInput>;

/** Forgets the workspace's tokens and marks it disconnected (service work); its data stays. */
export async function disconnectSlackWorkspace(db: Db, input: DisconnectSlackWorkspaceInput): Promise<SlackWorkspace> {
  const v = parseInput(disconnectSlackWorkspaceInput, input);
  const ws = await workspaceKey(db, v.workspaceId);
  const [row] = await db
    .update(slackWorkspaces)
    .set({ accessToken: null, refreshToken: null, tokenExpiresAt: null, isConnected: false, connectionStatus: v.connectionStatus })
    .where(byKey(ws))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  return row!;
}

export const revealSlackWorkspaceTokensInput = z.strictObject({ keyring: keyring(), workspaceId: uuid() });
export type RevealSlackWorkspaceTokensInput = z.input<typeof revealSlackWorkspaceTokensInput>;

/** The decrypted tokens (service work: user work cannot read the token columns); undefined when disconnected. */
export async function revealSlackWorkspaceTokens(
  db: Db,
  input: RevealSlackWorkspaceTokensInput,
): Promise<{ accessToken: string; refreshToken?: string; tokenExpiresAt: Date | null } | undefined> {
  const v = parseInput(revealSlackWorkspaceTokensInput, input);
  const [row] = await primaryOf(db)
    .select({
      id: slackWorkspaces.id,
      accessToken: slackWorkspaces.accessToken,
      refreshToken: slackWorkspaces.refreshToken,
      tokenExpiresAt: slackWorkspaces.tokenExpiresAt,
    })
    .from(slackWorkspaces)
    .where(eq(slackWorkspaces.id, v.workspaceId))
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("slack workspace", v.workspaceId);
  if (!row.accessToken) return undefined;
  return {
    accessToken: v.keyring.decrypt(row.accessToken, tokenAad("access_token", row.id)),
    refreshToken: row.refreshToken ? v.keyring.decrypt(row.refreshToken, tokenAad("refresh_token", row.id)) : undefined,
    tokenExpiresAt: row.tokenExpiresAt,
  };
}

export const updateSlackWorkspaceInfoInput = z.strictObject({
  workspaceId: uuid(),
  teamSize: pgInt().nonnegative().nullable().optional(),
  workspaceMetadata: pgJson().optional(),
  connectionStatus: pgText().min(1).max(50).optional(),
  /** Stamps last_sync_at (the database's clock) when true. */
  synced: z.boolean().optional(),
});
export type UpdateSlackWorkspaceInfoInput = z.input<typeof updateSlackWorkspaceInfoInput>;

/** Team size, metadata, connection status and the end of a sync (service work). */
export async function updateSlackWorkspaceInfo(db: Db, input: UpdateSlackWorkspaceInfoInput): Promise<SlackWorkspace> {
  const v = parseInput(updateSlackWorkspaceInfoInput, input);
  const { workspaceId, synced, ...set } = v;
  const ws = await workspaceKey(db, workspaceId);
  const [row] = await db
    .update(slackWorkspaces)
    .set({ ...set, ...(synced ? { lastSyncAt: sql`now()` } : {}) })
    .where(byKey(ws))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  return row!;
}

export const selectChannelsForAnalysisInput = z.strictObject({
  workspaceId: uuid(),
  channelIds: z.array(uuid()).min(1).max(10_000),
  /** @default true */
  selected: z.boolean().default(true),
});
export type SelectChannelsForAnalysisInput = z.input<typeof selectChannelsForAnalysisInput>;

/**
 * Chooses (or unchooses) channels of a workspace for analysis: a team ADMIN or OWNER under
 * withRls, or service work. All or nothing: a channel not in the workspace is a NotFoundError, one
 * the user may only see a ForbiddenError, and no channel changes.
 */
export async function selectChannelsForAnalysis(db: Db, input: SelectChannelsForAnalysisInput): Promise<SlackChannel[]> {
  const v = parseInput(selectChannelsForAnalysisInput, input);
  const ids = [...new Set(v.channelIds)];
  return db
    .transaction(async (tx) => {
      const inWorkspace = and(eq(slackChannels.workspaceId, v.workspaceId), inArray(slackChannels.id, ids));
      const rows = await tx.update(slackChannels).set({ isSelectedForAnalysis: v.selected }).where(inWorkspace).returning();
      if (rows.length === ids.length) return rows;
      const visible = await tx.select({ id: slackChannels.id }).from(slackChannels).where(inWorkspace);
      const missing = ids.find((id) => !visible.some((c) => c.id === id));
      if (missing) throw new NotFoundError("slack channel", missing, { field: "channelIds" });
      throw new ForbiddenError("Choosing channels for analysis needs the ADMIN role in the workspace's team", { table: "slack_channels" });
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const listChannelsForAnalysisInput = z.strictObject({ workspaceId: uuid() });
export type ListChannelsForAnalysisInput = z.input<typeof listChannelsForAnalysisInput>;

/** The workspace's channels selected for analysis that are supported, by name. */
export async function listChannelsForAnalysis(db: Db, input: ListChannelsForAnalysisInput): Promise<SlackChannel[]> {
  const v = parseInput(listChannelsForAnalysisInput, input);
  return db
    .select()
    .from(slackChannels)
    .where(and(eq(slackChannels.workspaceId, v.workspaceId), eq(slackChannels.isSelectedForAnalysis, true), eq(slackChannels.isSupported, true)))
    .orderBy(slackChannels.name);
}

export const updateChannelBotStateInput = z.strictObject({
  channelId: uuid(),
  hasBot: z.boolean().optional(),
  /** When the bot joined; @default now() when hasBot becomes true and this is not given */
  botJoinedAt: pgDate().nullable().optional(),
  isSupported: z.boolean().optional(),
});
export type UpdateChannelBotStateInput = z.input<typeof updateChannelBotStateInput>;

/** Records the bot joining or leaving a channel and whether the channel is supported (service work). */
export async function updateChannelBotState(db: Db, input: UpdateChannelBotStateInput): Promise<SlackChannel> {
  const v = parseInput(updateChannelBotStateInput, input);
  const joinedAt = v.botJoinedAt !== undefined ? v.botJoinedAt : v.hasBot === true ? sql`now()` : v.hasBot === false ? null : undefined;
  const [row] = await db
    .update(slackChannels)
    .set({ hasBot: v.hasBot, botJoinedAt: joinedAt, isSupported: v.isSupported })
    .where(eq(slackChannels.id, v.channelId))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("slack channel", v.channelId, { field: "channelId" });
  return row;
}

export const saveSlackUserProfileInput = z.strictObject({ slackUserId: uuid(), profileData: pgJson() });
export type SaveSlackUserProfileInput = z.input<typeof saveSlackUserProfileInput>;

/** Stores the rest of a user's Slack profile (fields, status, images) as profile_data (service work). */
export async function saveSlackUserProfile(db: Db, input: SaveSlackUserProfileInput): Promise<SlackUser> {
  const v = parseInput(saveSlackUserProfileInput, input);
  const [row] = await db
    .update(slackUsers)
    .set({ profileData: v.profileData })
    .where(eq(slackUsers.id, v.slackUserId))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("slack user", v.slackUserId, { field: "slackUserId" });
  return row;
}

export const deleteSlackUserInput = z.strictObject({ slackUserId: uuid() });
export type DeleteSlackUserInput = z.input<typeof deleteSlackUserInput>;

/**
 * Deletes a Slack user by keeping the row as deleted (is_deleted = true): their messages,
 * reactions and contributions stay attributed. A hard DELETE of a user with history is refused
 * by the foreign keys (NO ACTION); deleting the workspace or team still removes everything.
 */
export async function deleteSlackUser(db: Db, input: DeleteSlackUserInput): Promise<SlackUser> {
  const v = parseInput(deleteSlackUserInput, input);
  const [row] = await db
    .update(slackUsers)
    .set({ isDeleted: true })
    .where(eq(slackUsers.id, v.slackUserId))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("slack user", v.slackUserId, { field: "slackUserId" });
  return row;
}

export const recordReactionInput = z.strictObject({
  channelId: uuid(),
  /** The ts of the message reacted to. */
  messageTs: slackTs(),
  /** The Slack id of the user who reacted (U…). */
  userSlackId: slackId(),
  emojiName: pgText().min(1).max(255),
  /** The emoji's code point(s) or custom emoji URL, when known. */
  emojiCode: pgText().max(255).optional(),
  /** The `event_ts` of the reaction_added event. */
  reactionTs: slackTs().optional(),
});
export type RecordReactionInput = z.input<typeof recordReactionInput>;

/**
 * Records a `reaction_added` event on a synced message with its emoji code and timestamp (service
 * work); the message's reaction_count follows, in the same transaction. A message or user not
 * synced yet is a NotFoundError naming the field.
 */
export async function recordReaction(db: Db, input: RecordReactionInput): Promise<SlackReaction> {
  const v = parseInput(recordReactionInput, input);
  return db
    .transaction(async (tx) => {
      const [message] = await tx
        .select({ id: slackMessages.id, teamId: slackMessages.teamId, workspaceId: slackChannels.workspaceId })
        .from(slackMessages)
        .innerJoin(slackChannels, and(eq(slackChannels.id, slackMessages.channelId), eq(slackChannels.teamId, slackMessages.teamId)))
        .where(and(eq(slackMessages.channelId, v.channelId), eq(slackMessages.slackTs, v.messageTs)));
      if (!message) throw new NotFoundError("slack message", v.messageTs, { field: "messageTs" });
      const [user] = await tx
        .select({ id: slackUsers.id })
        .from(slackUsers)
        .where(and(eq(slackUsers.workspaceId, message.workspaceId), eq(slackUsers.teamId, message.teamId), eq(slackUsers.slackId, v.userSlackId)));
      if (!user) throw new NotFoundError("slack user", v.userSlackId, { field: "userSlackId" });
      const [row] = await tx
        .insert(slackReactions)
        .values({
          teamId: message.teamId,
          messageId: message.id,
          userId: user.id,
          emojiName: v.emojiName,
          emojiCode: v.emojiCode,
          reactionTs: v.reactionTs,
        })
        .onConflictDoUpdate({
          target: [slackReactions.messageId, slackReactions.userId, slackReactions.emojiName, slackReactions.teamId],
          set: {
            emojiCode: sql`coalesce(excluded.emoji_code, ${slackReactions.emojiCode})`,
            reactionTs: sql`coalesce(excluded.reaction_ts, ${slackReactions.reactionTs})`,
          },
        })
        .returning();
      await tx.execute(sql`
        update shared_db.slack_messages m set reaction_count = (select count(*) from shared_db.slack_reactions r where r.message_id = m.id and r.team_id = m.team_id)
        where m.id = ${message.id} and m.team_id = ${message.teamId}`);
      return row!;
    })
    .catch((e: unknown) => rethrowDbError(e));
}
