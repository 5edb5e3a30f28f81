import type { Installation } from "@slack/oauth";
import { createDb, withRls, type DbHandle } from "../src";
import { createKeyring, generateKey } from "../src/crypto";
import { users } from "../src/schema";
import { channelMessages, createTeam, createUser, syncChannels, syncMessages, upsertSlackWorkspace } from "../src/stores";
import { createSlackInstallationStore, type SlackInstallationStore } from "../src/slack";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { onHostOf } from "../src/testing/database";
import { openStandby, type Standby } from "../test/support/replica";
import { defineSuite, size } from "./harness";

const CALLERS = 16;
const MESSAGES = size(2_000, 60);
const installation: Installation = {
  team: { id: "T0SCALE", name: "Scale" },
  enterprise: undefined,
  user: { id: "U0SCALE", token: undefined, scopes: undefined },
  bot: { id: "B1", userId: "UB", token: "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", scopes: ["chat:write"] },
  appId: "A1",
  isEnterpriseInstall: false,
  authVersion: "v2",
};
const query = { teamId: "T0SCALE", enterpriseId: undefined, isEnterpriseInstall: false } as const;
// The channel's latest 50 messages: the last 50 seconds of a history one message per second.
const latest = { from: new Date((1_700_000_000 + MESSAGES - 50) * 1000), to: new Date((1_700_000_000 + MESSAGES) * 1000), limit: 50 };

let t: TestDatabase;
let standby: Standby;
let channelId = "";
let primaryOnly: DbHandle;
let withReplica: DbHandle;
let primaryStore: SlackInstallationStore;
let replicaStore: SlackInstallationStore;

/** What a Bolt app does per event, from CALLERS events at once: fetch the installation, read the channel. */
const readMix = (h: DbHandle, store: SlackInstallationStore) =>
  Promise.all(
    Array.from({ length: CALLERS }, async () => {
      await store.fetchInstallation(query);
      await channelMessages(h.db, { channelId, ...latest });
    }),
  );

const replicaSuite = defineSuite({
  name: `Bolt read mix (${CALLERS} concurrent events: fetchInstallation + a channel's latest 50 messages), one streaming replica on this machine`,
  skip: process.env.DATABASE_URL && process.env.REPLICA_URL ? undefined : "needs DATABASE_URL and REPLICA_URL (scripts/standby.sh)",
  batch: 20,
  rounds: 15,
  async setup() {
    t = await createTestDatabase();
    const keyring = createKeyring({ keys: [generateKey()] });
    const owner = await createUser(t.db, { email: "scale-bench@example.com" });
    const team = await createTeam(t.db, { actorId: owner.id, name: "Scale" });
    const ws = await upsertSlackWorkspace(t.db, { teamId: team.id, slackId: "T0SCALE" });
    await syncChannels(t.db, { workspaceId: ws.id, channels: [{ id: "C0SCALE", name: "general" }] });
    const [channel] = await t.db.query.slackChannels.findMany({ where: (c, { eq }) => eq(c.workspaceId, ws.id) });
    channelId = channel!.id;
    const messages = Array.from({ length: MESSAGES }, (_, i) => ({
      type: "message",
      user: "U0SCALE",
      ts: `${1_700_000_000 + i}.000100`,
      text: `message ${i}`,
    }));
    for (let i = 0; i < MESSAGES; i += 500) await syncMessages(t.db, { channelId, messages: messages.slice(i, i + 500) });
    await createSlackInstallationStore({ db: t.db, keyring, clientId: "C" }).storeInstallation(installation);
    standby = openStandby(t.db, t.url!, process.env.REPLICA_URL!);
    await standby.caughtUp();
    primaryOnly = await createDb({ url: t.url!, max: 10 });
    withReplica = await createDb({ url: t.url!, replicaUrls: [standby.url], max: 10 });
    primaryStore = createSlackInstallationStore({ db: primaryOnly.db, keyring, clientId: "C" });
    replicaStore = createSlackInstallationStore({ db: withReplica.db, keyring, clientId: "C" });
  },
  async teardown() {
    await primaryOnly.close();
    await withReplica.close();
    await standby.close();
    await t.close();
  },
  baseline: { name: "primary only", fn: () => readMix(primaryOnly, primaryStore) },
  cases: [
    {
      name: "with replicaUrls: [standby] (installations stay on the primary, messages go to the standby)",
      fn: () => readMix(withReplica, replicaStore),
    },
  ],
  notes: () => ["both servers share this machine's 2 cores: the ratio is the routing's cost here, not a second machine's gain"],
});

let pooled: DbHandle;
let unprepared: DbHandle;
let userId = "";
const ownRow = (h: DbHandle) => withRls(h.db, { userId }, (tx) => tx.select({ id: users.id }).from(users));

const poolerSuite = defineSuite({
  name: "withRls + one select per transaction: through PgBouncer (transaction mode) vs direct",
  skip: process.env.DATABASE_URL && process.env.PGBOUNCER_URL ? undefined : "needs DATABASE_URL and PGBOUNCER_URL (scripts/pgbouncer.sh)",
  async setup() {
    t = await createTestDatabase();
    userId = (await createUser(t.db, { email: "pooler-bench@example.com" })).id;
    pooled = await createDb({ url: onHostOf(t.url!, process.env.PGBOUNCER_URL!), pooler: "transaction" });
    unprepared = await createDb({ url: t.url!, prepare: false });
  },
  async teardown() {
    await pooled.close();
    await unprepared.close();
    await t.close();
  },
  baseline: { name: "direct (prepared statements)", fn: () => ownRow(t) },
  cases: [
    { name: "direct, prepare: false", fn: () => ownRow(unprepared) },
    { name: 'through PgBouncer, pooler: "transaction"', fn: () => ownRow(pooled) },
  ],
});

export default [replicaSuite, poolerSuite];
