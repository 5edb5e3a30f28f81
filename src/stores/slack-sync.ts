import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { primaryOf, rowsOf, type Db, type Tx } from "../db";
import { ConflictError, NotFoundError, rethrowDbError } from "../errors";
import { MAX_SLACK_SECONDS, parseInput, pgInt, pgJsonValue, pgText, slackId, slackTs, uuid } from "../input";
import { slackChannels, slackUsers, slackWorkspaces } from "../schema/slack-data";

/** A channel as `conversations.list` returns it (only the fields shared-db keeps are checked). */
export const slackApiChannel = z.looseObject({
  id: slackId(),
  name: pgText().max(255).optional(),
  is_private: z.boolean().optional(),
  is_im: z.boolean().optional(),
  is_mpim: z.boolean().optional(),
  is_archived: z.boolean().optional(),
  is_member: z.boolean().optional(),
  created: z.number().int().nonnegative().max(MAX_SLACK_SECONDS).optional(),
  num_members: pgInt().nonnegative().optional(),
  topic: z.looseObject({ value: pgText().max(1024) }).optional(),
  purpose: z.looseObject({ value: pgText().max(1024) }).optional(),
});

/** A member as `users.list` returns it. */
export const slackApiUser = z.looseObject({
  id: slackId(),
  name: pgText().max(255).optional(),
  real_name: pgText().max(255).optional(),
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  is_admin: z.boolean().optional(),
  tz: pgText().max(100).nullable().optional(),
  tz_offset: pgInt().optional(),
  profile: z
    .looseObject({
      display_name: pgText().max(255).optional(),
      real_name: pgText().max(255).optional(),
      email: pgText().max(255).optional(),
      title: pgText().max(255).optional(),
      phone: pgText().max(50).optional(),
      image_192: pgText().max(1024).optional(),
    })
    .optional(),
});

/** A message as `conversations.history` / `conversations.replies` return it. */
export const slackApiMessage = z.looseObject({
  type: z.literal("message").default("message"),
  ts: slackTs(),
  user: slackId().optional(),
  bot_id: pgText().max(64).optional(),
  text: pgText().max(400_000).optional(),
  subtype: pgText().max(50).optional(),
  client_msg_id: pgText().max(255).optional(),
  thread_ts: slackTs().optional(),
  reply_count: pgInt().nonnegative().optional(),
  reply_users_count: pgInt().nonnegative().optional(),
  edited: z.looseObject({ user: pgText().optional(), ts: slackTs() }).optional(),
  reactions: z.array(z.looseObject({ name: pgText().min(1).max(255), users: z.array(slackId()), count: z.number().int().optional() })).optional(),
  files: z.array(pgJsonValue()).optional(),
  attachments: z.array(pgJsonValue()).optional(),
});
export type SlackApiMessage = z.input<typeof slackApiMessage>;

/**
 * An array whose items must not repeat a key: one INSERT ... ON CONFLICT cannot touch a row twice
 * (21000), so a page listing the same id twice fails as a ValidationError naming the second item.
 * Its input type is `unknown[]`: a page comes as Slack's API returned it and is checked here.
 */
const uniqueBy = <T extends z.ZodType>(item: T, key: (v: z.output<T>) => string, keyName: string, max: number) =>
  z.array(z.unknown()).pipe(
    z
      .array(item)
      .max(max)
      .superRefine((items, ctx) => {
        const seen = new Map<string, number>();
        items.forEach((v, i) => {
          const k = key(v);
          const first = seen.get(k);
          if (first !== undefined) ctx.addIssue({ code: "custom", path: [i, keyName], message: `repeats item ${first} of the page` });
          else seen.set(k, i);
        });
      }),
  );

/** Rows as one JSON parameter, expanded by jsonb_to_recordset: one statement however many rows. */
const asJson = (rows: unknown[]) => sql`${JSON.stringify(rows)}::jsonb`;

async function loadChannel(db: Db, channelId: string) {
  const [channel] = await primaryOf(db)
    .select({ id: slackChannels.id, teamId: slackChannels.teamId, workspaceId: slackChannels.workspaceId })
    .from(slackChannels)
    .where(eq(slackChannels.id, channelId));
  if (!channel) throw new NotFoundError("slack channel", channelId);
  return channel;
}

async function loadWorkspace(db: Db, workspaceId: string) {
  const [ws] = await primaryOf(db).select({ teamId: slackWorkspaces.teamId }).from(slackWorkspaces).where(eq(slackWorkspaces.id, workspaceId));
  if (!ws) throw new NotFoundError("slack workspace", workspaceId);
  return ws;
}

export const upsertSlackWorkspaceInput = z.strictObject({
  teamId: uuid(),
  slackId: slackId(),
  name: pgText().max(255).optional(),
  domain: pgText().max(255).optional(),
  iconUrl: pgText().max(1024).optional(),
});
export type UpsertSlackWorkspaceInput = z.input<typeof upsertSlackWorkspaceInput>;

/**
 * Registers a workspace for a team (service work, e.g. after an OAuth install). Registering it
 * again for the same team refreshes it; a workspace registered to another team is a
 * ConflictError and that team's row is left as it was.
 */
export async function upsertSlackWorkspace(db: Db, input: UpsertSlackWorkspaceInput): Promise<typeof slackWorkspaces.$inferSelect> {
  const v = parseInput(upsertSlackWorkspaceInput, input);
  const [row] = await db
    .insert(slackWorkspaces)
    .values(v)
    .onConflictDoUpdate({
      target: slackWorkspaces.slackId,
      set: { name: v.name, domain: v.domain, iconUrl: v.iconUrl, lastConnectedAt: new Date() },
      // Only the team that registered the workspace refreshes it: another team's upsert updates nothing.
      setWhere: eq(slackWorkspaces.teamId, v.teamId),
    })
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new ConflictError("This Slack workspace is registered to another team", "slack_workspaces_slack_id_key");
  return row;
}

export const syncChannelsInput = z.strictObject({ workspaceId: uuid(), channels: uniqueBy(slackApiChannel, (c) => c.id, "id", 10_000) });
export type SyncChannelsInput = z.input<typeof syncChannelsInput>;

/** Upserts `conversations.list` channels by (workspace, slack id); a re-sync of the same page changes nothing. */
export async function syncChannels(db: Db, input: SyncChannelsInput): Promise<number> {
  const v = parseInput(syncChannelsInput, input);
  const ws = await loadWorkspace(db, v.workspaceId);
  const rows = v.channels.map((c) => ({
    slack_id: c.id,
    name: c.name ?? null,
    type: c.is_im ? "im" : c.is_mpim ? "mpim" : c.is_private ? "private" : "public",
    purpose: c.purpose?.value ?? null,
    topic: c.topic?.value ?? null,
    member_count: c.num_members ?? null,
    is_archived: c.is_archived ?? false,
    created_at_ts: c.created === undefined ? null : `${c.created}.000000`,
    has_bot: c.is_member ?? false,
  }));
  const result = await db
    .execute(sql`
    insert into shared_db.slack_channels (team_id, workspace_id, slack_id, name, type, purpose, topic, member_count, is_archived, created_at_ts, has_bot)
    select ${ws.teamId}::uuid, ${v.workspaceId}::uuid, r.slack_id, r.name, r.type, r.purpose, r.topic, r.member_count, r.is_archived, r.created_at_ts, r.has_bot
    from jsonb_to_recordset(${asJson(rows)}) as r(slack_id text, name text, type text, purpose text, topic text, member_count int, is_archived bool, created_at_ts text, has_bot bool)
    on conflict (workspace_id, slack_id, team_id) do update set name = excluded.name, type = excluded.type, purpose = excluded.purpose, topic = excluded.topic,
      member_count = excluded.member_count, is_archived = excluded.is_archived, created_at_ts = excluded.created_at_ts, has_bot = excluded.has_bot
    where (slack_channels.name, slack_channels.type, slack_channels.purpose, slack_channels.topic, slack_channels.member_count, slack_channels.is_archived, slack_channels.has_bot)
      is distinct from (excluded.name, excluded.type, excluded.purpose, excluded.topic, excluded.member_count, excluded.is_archived, excluded.has_bot)
    returning 1`)
    .catch((e: unknown) => rethrowDbError(e));
  return rowsOf(result).length;
}

export const syncUsersInput = z.strictObject({ workspaceId: uuid(), members: uniqueBy(slackApiUser, (m) => m.id, "id", 10_000) });
export type SyncUsersInput = z.input<typeof syncUsersInput>;

/** Upserts `users.list` members by (workspace, slack id); returns how many rows changed. */
export async function syncUsers(db: Db, input: SyncUsersInput): Promise<number> {
  const v = parseInput(syncUsersInput, input);
  const ws = await loadWorkspace(db, v.workspaceId);
  const rows = v.members.map((m) => ({
    slack_id: m.id,
    name: m.name ?? null,
    display_name: m.profile?.display_name || null,
    real_name: m.real_name ?? m.profile?.real_name ?? null,
    email: m.profile?.email ?? null,
    title: m.profile?.title || null,
    phone: m.profile?.phone || null,
    timezone: m.tz ?? null,
    timezone_offset: m.tz_offset ?? null,
    profile_image_url: m.profile?.image_192 ?? null,
    is_bot: m.is_bot ?? false,
    is_admin: m.is_admin ?? false,
    is_deleted: m.deleted ?? false,
  }));
  const cols = "name, display_name, real_name, email, title, phone, timezone, timezone_offset, profile_image_url, is_bot, is_admin, is_deleted";
  const result = await db
    .execute(sql`
    insert into shared_db.slack_users (team_id, workspace_id, slack_id, ${sql.raw(cols)})
    select ${ws.teamId}::uuid, ${v.workspaceId}::uuid, r.slack_id, ${sql.raw(
      cols
        .split(", ")
        .map((c) => `r.${c}`)
        .join(", "),
    )}
    from jsonb_to_recordset(${asJson(rows)}) as r(slack_id text, name text, display_name text, real_name text, email text, title text, phone text,
      timezone text, timezone_offset int, profile_image_url text, is_bot bool, is_admin bool, is_deleted bool)
    on conflict (workspace_id, slack_id, team_id) do update set ${sql.raw(
      cols
        .split(", ")
        .map((c) => `${c} = excluded.${c}`)
        .join(", "),
    )}
    where (${sql.raw(
      cols
        .split(", ")
        .map((c) => `slack_users.${c}`)
        .join(", "),
    )}) is distinct from (${sql.raw(
      cols
        .split(", ")
        .map((c) => `excluded.${c}`)
        .join(", "),
    )})
    returning 1`)
    .catch((e: unknown) => rethrowDbError(e));
  return rowsOf(result).length;
}

/**
 * Makes Slack markup readable: `<@U123>` -> `@display name`, `<#C123|general>` -> `#general`,
 * `<https://x|label>` -> `label (https://x)`, `<!here>` -> `@here`.
 */
export function processSlackText(text: string, names: ReadonlyMap<string, string>): string {
  return text.replace(/<([^<>]+)>/g, (whole, inner: string) => {
    const [target = "", label] = inner.split("|", 2);
    if (target.startsWith("@")) return `@${names.get(target.slice(1)) ?? label ?? target.slice(1)}`;
    if (target.startsWith("#")) return `#${label ?? target.slice(1)}`;
    if (target.startsWith("!")) return `@${label ?? target.slice(1).split("^")[0]}`;
    if (/^(https?|mailto):/.test(target)) return label ? `${label} (${target})` : target;
    return whole;
  });
}

const tsToDate = (ts: string) => new Date(Math.round(Number(ts) * 1000));
const maxTs = (a: string | null, b: string) => (a === null || Number(b) > Number(a) ? b : a);
const minTs = (a: string | null, b: string) => (a === null || Number(b) < Number(a) ? b : a);

/**
 * The page as one JSON parameter: one row per message, its reactions as two parallel arrays. The
 * merge reads it once (a materialized CTE over json_to_recordset), so a page needs no temporary
 * table: creating, filling and dropping one cost about a fifth of a page. (COPY through postgres.js
 * measured slower still: its CopyDone goes out as a separate small write, and Nagle plus delayed
 * ACK stall the next statement about 40 ms, more than COPY saves on a page of 5,000.)
 */
const PAGE_COLUMNS = {
  slack_ts: "text",
  slack_id: "text",
  user_id: "uuid",
  text: "text",
  processed_text: "text",
  message_type: "text",
  subtype: "text",
  is_edited: "bool",
  edited_ts: "text",
  has_attachments: "bool",
  attachments: "jsonb",
  files: "jsonb",
  thread_ts: "text",
  is_thread_parent: "bool",
  is_thread_reply: "bool",
  reply_count: "int",
  reply_users_count: "int",
  reaction_count: "int",
  message_datetime: "timestamptz",
  reaction_users: "uuid[]",
  reaction_emojis: "text[]",
} as const;
const PAGE_DEFS = Object.entries(PAGE_COLUMNS)
  .map(([c, type]) => `${c} ${type}`)
  .join(", ");
/** The message columns a sync writes (besides its keys), compared to decide whether a row changed. */
const MESSAGE_COLUMNS = Object.keys(PAGE_COLUMNS).filter((c) => c !== "slack_ts" && c !== "reaction_users" && c !== "reaction_emojis");
const listOf = (prefix: string) => sql.raw(MESSAGE_COLUMNS.map((c) => `${prefix}${c}`).join(", "));
/** `json`, not `jsonb`: json_to_recordset reads the text in one pass instead of building a jsonb tree first. */
const pageOf = (rows: unknown[]) => sql`${JSON.stringify(rows)}::json`;

export const syncMessagesInput = z.strictObject({ channelId: uuid(), messages: uniqueBy(slackApiMessage, (m) => m.ts, "ts", 20_000) });
export type SyncMessagesInput = z.input<typeof syncMessagesInput>;

/**
 * Ingests one page of `conversations.history` or `conversations.replies` for a channel, atomically
 * with the channel's sync cursors: messages (edits update text, is_edited, edited_ts), reactions
 * (replaced per message, so removed ones disappear; reaction_count matches), threads (parent_id
 * resolved from thread_ts, whichever arrives first) and processed_text. Re-syncing a page changes
 * nothing. A malformed item fails the page with a ValidationError such as `messages.17.ts`.
 * The page is one JSON parameter, merged in one statement.
 *
 * @example
 * const { messages } = await web.conversations.history({ channel: "C123", limit: 1000 });
 * await syncMessages(db, { channelId, messages });
 */
export async function syncMessages(db: Db, input: SyncMessagesInput): Promise<{ messages: number; reactions: number }> {
  const v = parseInput(syncMessagesInput, input);
  if (v.messages.length === 0) return { messages: 0, reactions: 0 };
  return db
    .transaction(async (tx) => {
      const channel = await loadChannel(tx, v.channelId);
      const names = await ensureUsers(tx, channel, v.messages);
      const userIds = names.ids;
      let oldest: string | null = null;
      let latest: string | null = null;
      const rows = v.messages.map((m) => {
        oldest = minTs(oldest, m.ts);
        latest = maxTs(latest, m.ts);
        const seen = new Set<string>();
        const reactionUsers: string[] = [];
        const reactionEmojis: string[] = [];
        for (const r of m.reactions ?? []) {
          for (const u of r.users) {
            const key = `${u}\u0000${r.name}`;
            if (seen.has(key)) continue;
            seen.add(key);
            reactionUsers.push(userIds.get(u)!);
            reactionEmojis.push(r.name);
          }
        }
        const isReply = m.thread_ts !== undefined && m.thread_ts !== m.ts;
        return {
          slack_ts: m.ts,
          slack_id: m.client_msg_id ?? null,
          user_id: m.user ? userIds.get(m.user)! : null,
          text: m.text ?? null,
          processed_text: m.text === undefined ? null : processSlackText(m.text, names.display),
          message_type: m.subtype === "bot_message" || (m.bot_id && !m.user) ? "bot_message" : m.type,
          subtype: m.subtype ?? null,
          is_edited: m.edited !== undefined,
          edited_ts: m.edited?.ts ?? null,
          has_attachments: (m.attachments?.length ?? 0) + (m.files?.length ?? 0) > 0,
          attachments: m.attachments ?? null,
          files: m.files ?? null,
          thread_ts: m.thread_ts ?? null,
          is_thread_parent: !isReply && (m.reply_count ?? 0) > 0,
          is_thread_reply: isReply,
          reply_count: m.reply_count ?? 0,
          reply_users_count: m.reply_users_count ?? 0,
          reaction_count: seen.size,
          message_datetime: tsToDate(m.ts).toISOString(),
          reaction_users: reactionUsers,
          reaction_emojis: reactionEmojis,
        };
      });
      const team = sql`${channel.teamId}::uuid`;
      const chan = sql`${channel.id}::uuid`;
      // One statement: the upsert's RETURNING gives the ids of new and changed messages (xmax = 0
      // marks a row it inserted), the unique index those of unchanged ones; reactions are then
      // replaced per message (what the page no longer lists is deleted, the rest inserted once). A
      // message this statement inserted has no reactions yet: no lookup, and a plain insert of its
      // reactions (the page lists each once). Every other lookup is an index probe per page row
      // (LATERAL ... OFFSET 0, deletes by ctid), never a scan of the channel or the team, so a page
      // costs the same in a channel of 100 or 10 million messages, whatever the statistics say. The
      // page is a function scan, estimated at 100 rows whatever its size, so the plan stays cheap
      // and JIT (which cost more to compile than the merge took to run) never starts.
      const [merged] = rowsOf<{ reactions: number }>(
        await tx.execute(sql`
        with s as materialized (select * from json_to_recordset(${pageOf(rows)}) as r(${sql.raw(PAGE_DEFS)})),
        up as (
          insert into shared_db.slack_messages as m (team_id, channel_id, slack_ts, ${listOf("")})
          select ${team}, ${chan}, s.slack_ts, ${listOf("s.")} from s
          on conflict (channel_id, slack_ts, team_id) do update set ${sql.raw(MESSAGE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", "))}
          where (${listOf("m.")}) is distinct from (${listOf("excluded.")})
          returning m.id, m.slack_ts, m.xmax::text = '0' as inserted
        ),
        page as (
          select up.id, up.slack_ts, up.inserted from up
          union all
          select m.id, s.slack_ts, false
          from (select s.slack_ts from s where not exists (select 1 from up where up.slack_ts = s.slack_ts) offset 0) s
          cross join lateral (select id from shared_db.slack_messages where channel_id = ${chan} and slack_ts = s.slack_ts and team_id = ${team} offset 0) m
        ),
        wanted as (
          select p.id as message_id, p.inserted, r.user_id, r.emoji_name
          from page p join s on s.slack_ts = p.slack_ts
          cross join lateral unnest(s.reaction_users, s.reaction_emojis) as r(user_id, emoji_name)
        ),
        gone as (
          delete from shared_db.slack_reactions x
          where x.ctid = any (array(
            select r.ctid from (select id from page where not inserted offset 0) p
            cross join lateral (select ctid, message_id, user_id, emoji_name from shared_db.slack_reactions where message_id = p.id and team_id = ${team} offset 0) r
            where not exists (select 1 from wanted w where w.message_id = r.message_id and w.user_id = r.user_id and w.emoji_name = r.emoji_name)))
        ),
        added_to_new as (
          insert into shared_db.slack_reactions (team_id, message_id, user_id, emoji_name)
          select ${team}, w.message_id, w.user_id, w.emoji_name from wanted w where w.inserted
          returning 1
        ),
        added as (
          insert into shared_db.slack_reactions (team_id, message_id, user_id, emoji_name)
          select ${team}, w.message_id, w.user_id, w.emoji_name from wanted w where not w.inserted
          on conflict (message_id, user_id, emoji_name, team_id) do nothing
          returning 1
        )
        select ((select count(*) from added_to_new) + (select count(*) from added))::int as reactions`),
      );
      await resolveThreads(tx, channel, rows);
      await tx
        .update(slackChannels)
        .set({
          oldestSyncedTs: sql`case when ${slackChannels.oldestSyncedTs} is null or ${oldest}::numeric < ${slackChannels.oldestSyncedTs}::numeric then ${oldest} else ${slackChannels.oldestSyncedTs} end`,
          latestSyncedTs: sql`case when ${slackChannels.latestSyncedTs} is null or ${latest}::numeric > ${slackChannels.latestSyncedTs}::numeric then ${latest} else ${slackChannels.latestSyncedTs} end`,
          lastSyncAt: sql`now()`,
        })
        .where(eq(slackChannels.id, channel.id));
      return { messages: rows.length, reactions: merged!.reactions };
    })
    .catch((e: unknown) => rethrowDbError(e));
}

/** Makes sure every author, reactor and mentioned user has a row; returns their ids and display names. */
async function ensureUsers(tx: Tx, channel: { teamId: string; workspaceId: string }, messages: z.output<typeof slackApiMessage>[]) {
  const slackIds = new Set<string>();
  for (const m of messages) {
    if (m.user) slackIds.add(m.user);
    for (const r of m.reactions ?? []) for (const u of r.users) slackIds.add(u);
    for (const [, id] of (m.text ?? "").matchAll(/<@([A-Z0-9]{2,32})(?:\|[^>]*)?>/g)) slackIds.add(id!);
  }
  const list = [...slackIds];
  if (list.length === 0) return { ids: new Map<string, string>(), display: new Map<string, string>() };
  await tx.execute(sql`
    insert into shared_db.slack_users (team_id, workspace_id, slack_id)
    select ${channel.teamId}::uuid, ${channel.workspaceId}::uuid, s from jsonb_array_elements_text(${asJson(list)}) s
    on conflict (workspace_id, slack_id, team_id) do nothing`);
  const users = await tx
    .select({
      id: slackUsers.id,
      slackId: slackUsers.slackId,
      displayName: slackUsers.displayName,
      realName: slackUsers.realName,
      name: slackUsers.name,
    })
    .from(slackUsers)
    .where(and(eq(slackUsers.workspaceId, channel.workspaceId), inArray(slackUsers.slackId, list)));
  return {
    ids: new Map(users.map((u) => [u.slackId, u.id])),
    display: new Map(users.map((u) => [u.slackId, u.displayName || u.realName || u.name || u.slackId])),
  };
}

/**
 * Links replies to their parents, whichever arrived first: replies in this page find parents
 * already stored (or in this page), and parents in this page (Slack gives a parent its own ts as
 * thread_ts) collect replies stored earlier. Driven by the page through the unique and thread_ts
 * indexes, so its cost does not grow with the channel; a page without threads skips it.
 */
async function resolveThreads(
  tx: Tx,
  channel: { id: string; teamId: string },
  page: { slack_ts: string; thread_ts: string | null; is_thread_reply: boolean }[],
) {
  const threads = page
    .filter((m) => m.is_thread_reply || m.thread_ts === m.slack_ts)
    .map((m) => ({ slack_ts: m.slack_ts, thread_ts: m.thread_ts, reply: m.is_thread_reply }));
  if (threads.length === 0) return;
  const team = sql`${channel.teamId}::uuid`;
  const chan = sql`${channel.id}::uuid`;
  const byTs = (ts: SQL) =>
    sql`(select ctid, id, parent_id from shared_db.slack_messages where channel_id = ${chan} and slack_ts = ${ts} and team_id = ${team} offset 0)`;
  await tx.execute(sql`
    with page as materialized (select * from json_to_recordset(${pageOf(threads)}) as t(slack_ts text, thread_ts text, reply bool)),
    pairs as (
      select r.ctid as reply, r.parent_id, p.id as parent, p.ctid as parent_row
      from (select slack_ts, thread_ts from page where reply offset 0) s
      cross join lateral ${byTs(sql`s.slack_ts`)} r
      cross join lateral ${byTs(sql`s.thread_ts`)} p
      union all
      select r.ctid, r.parent_id, p.id, p.ctid
      from (select slack_ts from page where not reply offset 0) s
      cross join lateral ${byTs(sql`s.slack_ts`)} p
      cross join lateral (select ctid, parent_id from shared_db.slack_messages
        where channel_id = ${chan} and thread_ts = s.slack_ts and is_thread_reply and team_id = ${team} offset 0) r
    ),
    linked as (
      update shared_db.slack_messages r set parent_id = pairs.parent from pairs
      where r.ctid = any (array(select reply from pairs where parent_id is null)) and r.ctid = pairs.reply
    )
    update shared_db.slack_messages p set is_thread_parent = true
    where p.ctid = any (array(select parent_row from pairs)) and not p.is_thread_parent`);
}
