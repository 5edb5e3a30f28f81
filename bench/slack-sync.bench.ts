/**
 * syncMessages against COPY of the same message and reaction rows. `SYNC_MESSAGES=1000000` for the
 * 1M run; `-- --profile` adds one profiled sync that prints time per statement (pg_stat_statements
 * when the server has it loaded, else client timings from postgres.js).
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "../src/schema";
import { createTeam, createUser, processSlackText, syncChannels, syncMessages, syncUsers, upsertSlackWorkspace } from "../src/stores";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { defineSuite, size } from "./harness";

const TOTAL = size(Number(process.env.SYNC_MESSAGES ?? 100_000), 200);
const PAGE = size(5_000, 50);
const PROFILE = process.argv.includes("--profile");
const USERS = 200;
let t: TestDatabase;
let raw: postgres.Sql;
let workspaceId = "";
let teamId = "";
let channels = 0;
const userIds = new Map<string, string>();
const names = new Map<string, string>();

const slackUser = (i: number) => `U${(i % USERS).toString().padStart(4, "0")}`;
/** Message i, generated on demand so the bench holds one page at a time (memory stays the library's). */
const message = (i: number) => ({
  type: "message",
  user: slackUser(i),
  ts: `${1700000000 + i}.000100`,
  text: `message ${i} about <@${slackUser(i + 1)}> and things`,
  ...(i % 10 === 0 && { reply_count: 1, thread_ts: `${1700000000 + i}.000100` }),
  reactions: [{ name: "thumbsup", users: [slackUser(i + 7)], count: 1 }],
});
const page = (from: number) => Array.from({ length: Math.min(PAGE, TOTAL - from) }, (_, k) => message(from + k));

async function newChannel(): Promise<string> {
  const slackId = `CBENCH${channels++}`;
  await syncChannels(t.db, { workspaceId, channels: [{ id: slackId, name: slackId.toLowerCase() }] });
  const [{ id }] = (await raw`select id from shared_db.slack_channels where slack_id = ${slackId}`) as unknown as [{ id: string }];
  return id;
}

/** The rows syncMessages writes, as COPY text: messages (with ids) and their reactions. */
function copyPage(from: number, channelId: string) {
  const messages: string[] = [];
  const reactions: string[] = [];
  for (const m of page(from)) {
    const id = randomUUID();
    const parent = m.thread_ts === m.ts;
    messages.push(
      [
        id,
        teamId,
        channelId,
        userIds.get(m.user),
        m.ts,
        m.text,
        processSlackText(m.text, names),
        "message",
        m.thread_ts ?? "\\N",
        parent ? "t" : "f",
        m.reply_count ?? 0,
        1,
        new Date(Number(m.ts) * 1000).toISOString(),
      ].join("\t"),
    );
    reactions.push([teamId, id, userIds.get(m.reactions[0]!.users[0]!), m.reactions[0]!.name].join("\t"));
  }
  return { messages: `${messages.join("\n")}\n`, reactions: `${reactions.join("\n")}\n` };
}

let copyPageMs: number[] = [];
async function copyAll(prefix: string) {
  const channelId = await newChannel();
  const times: number[] = [];
  for (let i = 0; i < TOTAL; i += PAGE) {
    const start = performance.now();
    const rows = copyPage(i, channelId);
    for (const [table, cols, text] of [
      [
        `${prefix}_messages`,
        "id, team_id, channel_id, user_id, slack_ts, text, processed_text, message_type, thread_ts, is_thread_parent, reply_count, reaction_count, message_datetime",
        rows.messages,
      ],
      [`${prefix}_reactions`, "team_id, message_id, user_id, emoji_name", rows.reactions],
    ] as const) {
      const stream = await raw.unsafe(`copy ${table} (${cols}) from stdin`).writable();
      if (!stream.write(text)) await once(stream, "drain");
      await new Promise<void>((resolve, reject) => stream.on("error", reject).end(() => resolve()));
    }
    times.push(performance.now() - start);
  }
  if (prefix === "copy") copyPageMs = times;
}

/**
 * The floor of a statement-based sync: the same rows in one INSERT ... ON CONFLICT DO NOTHING per
 * table (a page as one JSON parameter, reaction message ids from RETURNING) into tables with the
 * same indexes and foreign keys. It does what COPY with the keys does plus the upsert's conflict
 * check and RETURNING, and nothing a real sync needs besides (no change detection, no reaction
 * replacement, no users, threads or cursors).
 */
async function upsertAll() {
  const channelId = await newChannel();
  for (let i = 0; i < TOTAL; i += PAGE) {
    const rows = page(i).map((m) => ({
      user_id: userIds.get(m.user),
      slack_ts: m.ts,
      text: m.text,
      processed_text: processSlackText(m.text, names),
      thread_ts: m.thread_ts ?? null,
      is_thread_parent: m.thread_ts === m.ts,
      reply_count: m.reply_count ?? 0,
      message_datetime: new Date(Number(m.ts) * 1000).toISOString(),
      reactor_id: userIds.get(m.reactions[0]!.users[0]!),
      emoji_name: m.reactions[0]!.name,
    }));
    await raw`
      with s as materialized (select * from json_to_recordset(${raw.json(rows)}::json) as r(user_id uuid, slack_ts text, text text,
        processed_text text, thread_ts text, is_thread_parent bool, reply_count int, message_datetime timestamptz, reactor_id uuid, emoji_name text)),
      m as (
        insert into upsert_fk_messages (team_id, channel_id, user_id, slack_ts, text, processed_text, thread_ts, is_thread_parent, reply_count, reaction_count, message_datetime)
        select ${teamId}::uuid, ${channelId}::uuid, user_id, slack_ts, text, processed_text, thread_ts, is_thread_parent, reply_count, 1, message_datetime from s
        on conflict (channel_id, slack_ts, team_id) do nothing
        returning id, slack_ts
      )
      insert into upsert_fk_reactions (team_id, message_id, user_id, emoji_name)
      select ${teamId}::uuid, m.id, s.reactor_id, s.emoji_name from m join s on s.slack_ts = m.slack_ts
      on conflict (message_id, user_id, emoji_name, team_id) do nothing`;
  }
}

let pageMs: number[] = [];
let rssMb: number[] = [];
async function syncAll(db = t.db) {
  const channelId = await newChannel();
  pageMs = [];
  rssMb = [];
  for (let i = 0; i < TOTAL; i += PAGE) {
    const start = performance.now();
    await syncMessages(db, { channelId, messages: page(i) });
    pageMs.push(performance.now() - start);
    rssMb.push(process.memoryUsage.rss() / 2 ** 20);
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Time per statement of one more sync: pg_stat_statements if loaded, else client timings. */
async function profile(): Promise<string[]> {
  const pgss = await raw`select 1 from pg_stat_statements limit 1`.then(
    () => true,
    () => false,
  );
  if (pgss) {
    await raw`select pg_stat_statements_reset()`;
    await syncAll();
    const rows = await raw`select calls, total_exec_time as ms, left(regexp_replace(query, '\s+', ' ', 'g'), 90) as query
      from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database()) order by total_exec_time desc limit 12`;
    return [
      "profile (pg_stat_statements, server execution time):",
      ...rows.map((r) => `${Number(r.ms).toFixed(0).padStart(7)} ms ${String(r.calls).padStart(6)}x  ${r.query}`),
    ];
  }
  // Client timings: each statement from when postgres.js sends it until the next one is sent (so
  // Node work before the next statement counts here; the page's last statement ends with the page).
  const spent = new Map<string, { ms: number; calls: number }>();
  let last: { key: string; at: number } | undefined;
  const close = (at: number) => {
    if (!last) return;
    const s = spent.get(last.key) ?? { ms: 0, calls: 0 };
    spent.set(last.key, { ms: s.ms + at - last.at, calls: s.calls + 1 });
    last = undefined;
  };
  const client = postgres(t.url!, {
    max: 1,
    onnotice: () => {},
    debug: (_conn: number, query: string) => {
      const at = performance.now();
      close(at);
      last = { key: query.replace(/\s+/g, " ").trim().slice(0, 90), at };
    },
  });
  const db = drizzle(client, { schema });
  const channelId = await newChannel();
  let nodeMs = 0;
  for (let i = 0; i < TOTAL; i += PAGE) {
    const messages = page(i);
    const start = performance.now();
    await syncMessages(db, { channelId, messages });
    close(performance.now());
    nodeMs += performance.now() - start;
  }
  await client.end();
  const total = [...spent.values()].reduce((a, s) => a + s.ms, 0);
  return [
    `profile (client timings; pg_stat_statements is not loaded on this server): ${total.toFixed(0)} ms in statements of ${nodeMs.toFixed(0)} ms`,
    ...[...spent.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 12)
      .map(([q, s]) => `${s.ms.toFixed(0).padStart(7)} ms ${String(s.calls).padStart(6)}x  ${q}`),
  ];
}

export default defineSuite({
  name: `Slack sync: ${TOTAL.toLocaleString("en")} messages with one reaction each (pages of ${PAGE.toLocaleString("en")})`,
  skip: process.env.DATABASE_URL ? undefined : "needs DATABASE_URL",
  batch: 1,
  rounds: TOTAL >= 1_000_000 ? 1 : 2,
  async setup() {
    t = await createTestDatabase();
    raw = postgres(t.url!, { max: 1, onnotice: () => {} });
    const user = await createUser(t.db, { email: "sync-bench@example.com" });
    const team = await createTeam(t.db, { actorId: user.id, name: "Bench" });
    teamId = team.id;
    workspaceId = (await upsertSlackWorkspace(t.db, { teamId, slackId: "TBENCH" })).id;
    const members = Array.from({ length: USERS }, (_, i) => ({ id: slackUser(i), name: `user${i}` }));
    await syncUsers(t.db, { workspaceId, members });
    for (const u of await raw`select id, slack_id, name from shared_db.slack_users where workspace_id = ${workspaceId}`) {
      userIds.set(u.slack_id as string, u.id as string);
      names.set(u.slack_id as string, u.name as string);
    }
    // Same columns, defaults and indexes (the (id, team_id) primary keys included); copy_fk_* and
    // upsert_fk_* also get the real tables' foreign keys, to the real channels and users and to each other.
    for (const prefix of ["copy", "copy_fk", "upsert_fk"]) {
      await raw.unsafe(`create table ${prefix}_messages (like shared_db.slack_messages including defaults including indexes)`);
      await raw.unsafe(`create table ${prefix}_reactions (like shared_db.slack_reactions including defaults including indexes)`);
    }
    const fks = await raw`select conrelid::regclass::text as tbl, pg_get_constraintdef(oid) as def from pg_constraint
      where contype = 'f' and conrelid in ('shared_db.slack_messages'::regclass, 'shared_db.slack_reactions'::regclass)`;
    for (const fk of fks) {
      for (const prefix of ["copy_fk", "upsert_fk"]) {
        const table = String(fk.tbl).endsWith("slack_messages") ? `${prefix}_messages` : `${prefix}_reactions`;
        await raw.unsafe(`alter table ${table} add ${String(fk.def).replace(/(shared_db\.)?slack_messages\(/, `${prefix}_messages(`)}`);
      }
    }
  },
  async teardown() {
    await raw.end();
    await t.close();
  },
  baseline: {
    name: "COPY of the same message and reaction rows into tables of the same shape (same indexes, no foreign keys)",
    fn: () => copyAll("copy"),
  },
  cases: [
    { name: "COPY of the same rows into tables with the same foreign keys too", fn: () => copyAll("copy_fk") },
    {
      name: "floor: one INSERT ... ON CONFLICT DO NOTHING per table of the same rows into tables with the same foreign keys",
      fn: () => upsertAll(),
    },
    { name: "syncMessages (messages, users, reactions, threads, cursors), one transaction per page", fn: () => syncAll() },
  ],
  async notes() {
    const growth = (ms: number[]) =>
      `${(mean(ms.slice(-3)) / mean(ms.slice(0, 3))).toFixed(2)}x (last / first page: ${(ms.at(-1)! / ms[0]!).toFixed(2)}x)`;
    const lines = [
      `per-page cost, mean of the last 3 pages / mean of the first 3: syncMessages ${growth(pageMs)}; COPY baseline ${growth(copyPageMs)}`,
      `resident memory: after the first page ${rssMb[0]!.toFixed(0)} MB, after the last ${rssMb.at(-1)!.toFixed(0)} MB; peak RSS of the process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    ];
    // Each case ran as often as the others (warm-up + rounds), so equal counts show they wrote the same rows.
    const [written] = await raw`select (select count(*) from copy_reactions)::int as copy, (select count(*) from copy_fk_reactions)::int as copy_fk,
      (select count(*) from upsert_fk_reactions)::int as upsert_fk, (select count(*) from shared_db.slack_reactions)::int as sync`;
    lines.push(
      `reactions written over all runs: ${Object.entries(written!)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}`,
    );
    return PROFILE ? [...lines, ...(await profile())] : lines;
  },
});
