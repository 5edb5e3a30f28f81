import postgres from "postgres";
import { createTeam, createUser, syncChannels, syncMessages, upsertSlackWorkspace } from "../src/stores";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { defineSuite, size } from "./harness";

const TOTAL = size(100_000, 200);
const PAGE = size(5_000, 50);
let t: TestDatabase;
let raw: postgres.Sql;
let workspaceId = "";
let run = 0;
let teamId = "";
/** copy_target has no foreign keys: any id will do for the channel. */
const copyChannelId = "00000000-0000-4000-8000-00000000c0de";

const messages = Array.from({ length: TOTAL }, (_, i) => ({
  type: "message",
  user: `U${(i % 200).toString().padStart(4, "0")}`,
  ts: `${1700000000 + i}.000100`,
  text: `message ${i} about <@U${((i + 1) % 200).toString().padStart(4, "0")}> and things`,
  ...(i % 10 === 0 && { reply_count: 1, thread_ts: `${1700000000 + i}.000100` }),
  reactions: [{ name: "thumbsup", users: [`U${((i + 7) % 200).toString().padStart(4, "0")}`], count: 1 }],
}));

/** The rows syncMessages writes, as COPY text, into a table of the same shape (the physical limit). */
const copyRows = () =>
  messages.map((m) => [teamId, copyChannelId, m.ts, m.text, m.text, "message", m.thread_ts ?? "\\N", m.reply_count ?? 0, 1, new Date(Number(m.ts) * 1000).toISOString()].join("\t"));
let copyText: string[] = [];

export default defineSuite({
  name: `Slack sync: upsert ${TOTAL.toLocaleString("en")} messages with reactions (pages of ${PAGE})`,
  skip: process.env.DATABASE_URL ? undefined : "needs DATABASE_URL",
  batch: 1,
  rounds: 2,
  async setup() {
    t = await createTestDatabase();
    raw = postgres(t.url!, { max: 1, onnotice: () => {} });
    const user = await createUser(t.db, { email: "sync-bench@example.com" });
    const team = await createTeam(t.db, { actorId: user.id, name: "Bench" });
    teamId = team.id;
    workspaceId = (await upsertSlackWorkspace(t.db, { teamId, slackId: "TBENCH" })).id;
    copyText = copyRows();
    // Same columns, defaults and indexes (the (id, team_id) primary key included); rows carry the
    // tenant key and a channel id, as syncMessages writes them.
    await raw`create table copy_target (like shared_db.slack_messages including defaults including indexes)`;
  },
  async teardown() {
    await raw.end();
    await t.close();
  },
  baseline: {
    name: "COPY of the same message rows into a table of the same shape",
    async fn() {
      await raw`truncate copy_target`;
      const stream = await raw`copy copy_target (team_id, channel_id, slack_ts, text, processed_text, message_type, thread_ts, reply_count, reaction_count, message_datetime) from stdin`.writable();
      for (let i = 0; i < copyText.length; i += PAGE) stream.write(`${copyText.slice(i, i + PAGE).join("\n")}\n`);
      await new Promise<void>((resolve, reject) => stream.end(() => resolve()).on("error", reject));
    },
  },
  cases: [
    {
      name: "syncMessages (messages, users, reactions, threads, cursors), one transaction per page",
      async fn() {
        const slackId = `CBENCH${run++}`;
        await syncChannels(t.db, { workspaceId, channels: [{ id: slackId, name: slackId.toLowerCase() }] });
        const [{ id }] = (await raw`select id from shared_db.slack_channels where slack_id = ${slackId}`) as unknown as [{ id: string }];
        for (let i = 0; i < messages.length; i += PAGE) await syncMessages(t.db, { channelId: id, messages: messages.slice(i, i + PAGE) });
      },
    },
  ],
});
