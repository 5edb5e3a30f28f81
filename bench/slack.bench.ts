import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import oauth, { type Installation } from "@slack/oauth";
import postgres from "postgres";
import { createDb, type DbHandle } from "../src";
import { createKeyring, generateKey, type Keyring } from "../src/crypto";
import { slackTokenAad } from "../src/crypto/aad";
import { createSlackInstallationStore, type SlackInstallationStore } from "../src/slack";
import { readInstallation, type InstallationStoreContext } from "../src/stores/slack-installation-queries";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { startCountingProxy, type CountingProxy } from "../test/support/counting-proxy";
import { defineSuite } from "./harness";

let t: TestDatabase;
let raw: postgres.Sql;
let proxied: DbHandle;
let proxy: CountingProxy;
let store: SlackInstallationStore;
let counted: SlackInstallationStore;
// CommonJS: its installation stores are only reachable through the default export from ESM.
const { FileInstallationStore, MemoryInstallationStore } = oauth;
let file: InstanceType<typeof FileInstallationStore>;
let dir: string;
const q = { teamId: "T1", enterpriseId: undefined, isEnterpriseInstall: false } as const;
const installation: Installation = {
  team: { id: "T1", name: "Bench" },
  enterprise: undefined,
  user: { id: "U1", token: "xoxp-1234567890-1234567890-abcdefabcdef", scopes: ["search:read"] },
  bot: { id: "B1", userId: "UB", token: "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", scopes: ["chat:write"] },
  appId: "A1",
  isEnterpriseInstall: false,
  authVersion: "v2",
};

let keyring: Keyring;
/** The rows fetchInstallation reads (the columns an Installation needs), as one raw prepared query. */
const rawFetch = () => raw`select b.id, b.client_id, b.enterprise_id, b.enterprise_name, b.enterprise_url, b.team_id, b.team_name,
    b.is_enterprise_install, b.app_id, b.token_type, b.auth_version, b.metadata, b.incoming_webhook_url, b.incoming_webhook_channel,
    b.incoming_webhook_channel_id, b.incoming_webhook_configuration_url, b.bot_id, b.bot_user_id, b.bot_token, b.bot_scopes,
    b.bot_refresh_token, b.bot_token_expires_at, b.installer_user_id,
    u.user_id, u.user_token, u.user_scopes, u.user_refresh_token, u.user_token_expires_at
  from shared_db.slack_bots b left join shared_db.slack_user_tokens u on u.client_id = b.client_id
    and u.enterprise_id is not distinct from b.enterprise_id and u.team_id is not distinct from b.team_id
    and u.user_id = coalesce(${"U1"}::text, b.installer_user_id)
  where b.client_id = ${"C"} and b.team_id = ${"T1"} order by b.installed_at desc limit 1`;

const fetchSuite = defineSuite({
  name: "Slack fetchInstallation on the local server",
  skip: process.env.DATABASE_URL ? undefined : "needs DATABASE_URL",
  batch: 100,
  async setup() {
    t = await createTestDatabase();
    raw = postgres(t.url!, { max: 1 });
    keyring = createKeyring({ keys: [generateKey()] });
    store = createSlackInstallationStore({ db: t.db, keyring, clientId: "C" });
    await store.storeInstallation(installation);
    dir = mkdtempSync(join(tmpdir(), "sdb-bench-"));
    file = new FileInstallationStore({ baseDir: dir, clientId: "C" });
    await file.storeInstallation(installation);
    proxy = await startCountingProxy(t.url!);
    proxied = await createDb({ url: proxy.url, max: 1 });
    counted = createSlackInstallationStore({ db: proxied.db, keyring, clientId: "C" });
  },
  async teardown() {
    await proxied.close();
    await proxy.close();
    await raw.end();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  },
  baseline: {
    name: "raw postgres.js: the same rows (bot + user token), one prepared query (physical limit)",
    fn: () => rawFetch(),
  },
  cases: [
    { name: "fetchInstallation (bot)", fn: () => store.fetchInstallation(q) },
    { name: "fetchInstallation with userId (bot + user token)", fn: () => store.fetchInstallation({ ...q, userId: "U1" }) },
    {
      name: "the store's own statement (prepared, mapped), nothing decrypted",
      fn: () => readInstallation({ db: t.db, clientId: "C" } as InstallationStoreContext, { ...q, userId: "U1" }),
    },
    {
      name: "floor: the raw query + decrypting its bot and user tokens (keyring, AAD bound)",
      fn: async () => {
        const [row] = await rawFetch();
        const owner = { clientId: row!.client_id, enterpriseId: row!.enterprise_id, teamId: row!.team_id };
        keyring.decrypt(row!.bot_token, slackTokenAad("slack_bots", "bot_token", owner));
        keyring.decrypt(row!.user_token, slackTokenAad("slack_user_tokens", "user_token", { ...owner, userId: row!.user_id }));
      },
    },
    { name: "@slack/oauth FileInstallationStore.fetchInstallation", fn: () => file.fetchInstallation(q) },
  ],
  async notes() {
    await counted.fetchInstallation({ ...q, userId: "U1" });
    proxy.reset();
    for (let i = 0; i < 100; i++) await counted.fetchInstallation({ ...q, userId: "U1" });
    return [`round trips per fetchInstallation: ${proxy.roundTrips() / 100}`];
  },
});

let cachedT: TestDatabase;
let cached: SlackInstallationStore;
let uncached: SlackInstallationStore;
let memory: InstanceType<typeof MemoryInstallationStore>;
let cacheDir: string;
let cacheFile: InstanceType<typeof FileInstallationStore>;

const cacheSuite = defineSuite({
  name: "Slack fetchInstallation with the installation cache (warm)",
  skip: process.env.DATABASE_URL ? undefined : "needs DATABASE_URL",
  batch: 2000,
  async setup() {
    cachedT = await createTestDatabase();
    const keyring = createKeyring({ keys: [generateKey()] });
    cached = createSlackInstallationStore({ db: cachedT.db, keyring, clientId: "C", cache: { listenUrl: cachedT.url } });
    uncached = createSlackInstallationStore({ db: cachedT.db, keyring, clientId: "C" });
    await cached.storeInstallation(installation);
    memory = new MemoryInstallationStore();
    await memory.storeInstallation(installation);
    cacheDir = mkdtempSync(join(tmpdir(), "sdb-bench-"));
    cacheFile = new FileInstallationStore({ baseDir: cacheDir, clientId: "C" });
    await cacheFile.storeInstallation(installation);
    await new Promise((r) => setTimeout(r, 200));
    await cached.fetchInstallation({ ...q, userId: "U1" });
  },
  async teardown() {
    await cached.close();
    await cachedT.close();
    rmSync(cacheDir, { recursive: true, force: true });
  },
  baseline: { name: "@slack/oauth MemoryInstallationStore.fetchInstallation", fn: () => memory.fetchInstallation(q) },
  cases: [
    { name: "shared-db fetchInstallation, cached (with userId)", fn: () => cached.fetchInstallation({ ...q, userId: "U1" }) },
    { name: "@slack/oauth FileInstallationStore.fetchInstallation", fn: () => cacheFile.fetchInstallation(q) },
    { name: "shared-db fetchInstallation, uncached", fn: () => uncached.fetchInstallation({ ...q, userId: "U1" }) },
  ],
});

export default [fetchSuite, cacheSuite];
