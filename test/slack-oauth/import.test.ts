import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createKeyring, DecryptionError, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { ValidationError } from "../../src/errors";
import { createSlackInstallationStore, importSlackInstallations } from "../../src/slack";
import python from "../crypto/fixtures/python-fernet.json";
import { useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
const bots = async () =>
  rowsOf<{ team_id: string | null; bot_token: string }>(
    await t.db.execute(sql`select team_id, bot_token from shared_db.slack_bots order by team_id`),
  );

// The seed's Piccolo table (slack-oauth-installations.md), and slack_sdk's SQLAlchemy table as it creates it.
const seedTable = sql`CREATE TABLE legacy.slack_o_auth_installation (
  id serial PRIMARY KEY, team_id varchar, team_name varchar, enterprise_id varchar, enterprise_name varchar,
  bot_token varchar, bot_id varchar, bot_user_id varchar, bot_scopes varchar, user_id varchar, user_token varchar,
  user_scopes varchar, incoming_webhook_url varchar, incoming_webhook_channel varchar, incoming_webhook_channel_id varchar,
  incoming_webhook_configuration_url varchar, is_enterprise_install boolean DEFAULT false, installed_at timestamptz NOT NULL DEFAULT now())`;
const sqlalchemyTable = sql`CREATE TABLE legacy.slack_installations (
  id serial PRIMARY KEY, client_id varchar(32) NOT NULL, app_id varchar(32) NOT NULL, enterprise_id varchar(32),
  enterprise_name varchar(200), enterprise_url varchar(200), team_id varchar(32), team_name varchar(200),
  bot_token varchar(200), bot_id varchar(32), bot_user_id varchar(32), bot_scopes varchar(1000),
  bot_refresh_token varchar(200), bot_token_expires_at timestamp, user_id varchar(32) NOT NULL, user_token varchar(200),
  user_scopes varchar(1000), user_refresh_token varchar(200), user_token_expires_at timestamp,
  incoming_webhook_url varchar(200), incoming_webhook_channel varchar(200), incoming_webhook_channel_id varchar(200),
  incoming_webhook_configuration_url varchar(200), is_enterprise_install boolean NOT NULL DEFAULT false,
  token_type varchar(32), installed_at timestamp NOT NULL DEFAULT now())`;

describe("importSlackInstallations (slack-oauth-installations.md)", () => {
  it("imports the seed's table: dry run counts and writes nothing; the import encrypts tokens; a second run stores nothing", async () => {
    await t.db.execute(sql`CREATE SCHEMA IF NOT EXISTS legacy`);
    await t.db.execute(seedTable);
    await t.db.execute(sql`INSERT INTO legacy.slack_o_auth_installation
      (team_id, team_name, bot_token, bot_id, bot_user_id, bot_scopes, user_id, user_token, user_scopes, incoming_webhook_url, incoming_webhook_channel_id) VALUES
      ('T1', 'One', 'xoxb-seed-1', 'B1', 'UB1', 'chat:write,channels:read', 'U1', 'xoxp-seed-1', 'search:read', 'https://hooks.slack.com/services/T1/x', 'C1'),
      ('T2', 'Two', 'xoxb-seed-2', 'B2', 'UB2', 'chat:write', 'U2', NULL, NULL, NULL, NULL)`);
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "seed-app" });
    const dry = await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy", dryRun: true });
    expect(dry).toEqual({ read: 2, installations: 2, stored: 2, unchanged: 0, skipped: 0, skippedInstallations: [], dryRun: true });
    expect(await bots()).toEqual([]);

    expect(await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy" })).toMatchObject({ stored: 2, unchanged: 0 });
    const one = await store.fetchInstallation({ teamId: "T1", enterpriseId: undefined, userId: "U1", isEnterpriseInstall: false });
    expect(one).toMatchObject({
      team: { id: "T1", name: "One" },
      bot: { token: "xoxb-seed-1", id: "B1", userId: "UB1", scopes: ["chat:write", "channels:read"] },
      user: { id: "U1", token: "xoxp-seed-1", scopes: ["search:read"] },
      incomingWebhook: { url: "https://hooks.slack.com/services/T1/x", channelId: "C1" },
    });
    const stored = await bots();
    expect(stored.map((b) => b.team_id)).toEqual(["T1", "T2"]);
    for (const b of stored) expect(b.bot_token).toMatch(/^sdb1:/);

    const again = await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy" });
    expect(again).toMatchObject({ stored: 0, unchanged: 2 });
    expect(await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy", dryRun: true })).toMatchObject({
      stored: 0,
      unchanged: 2,
    });
    // A source row changed without a newer install time is skipped; re-installed, it is re-saved. The rest stays.
    await t.db.execute(sql`UPDATE legacy.slack_o_auth_installation SET bot_token = 'xoxb-seed-2b' WHERE team_id = 'T2'`);
    expect(await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy" })).toMatchObject({ stored: 0, unchanged: 1, skipped: 1 });
    await t.db.execute(sql`UPDATE legacy.slack_o_auth_installation SET installed_at = now() + interval '1 second' WHERE team_id = 'T2'`);
    expect(await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy" })).toMatchObject({ stored: 1, unchanged: 1, skipped: 0 });
    expect((await store.fetchInstallation({ teamId: "T2", enterpriseId: undefined, isEnterpriseInstall: false })).bot?.token).toBe("xoxb-seed-2b");
  });

  it("imports slack_sdk's SQLAlchemy table: the latest row per installation, this client id only, org-wide installs, rotating tokens", async () => {
    await t.db.execute(sqlalchemyTable);
    await t.db.execute(sql`INSERT INTO legacy.slack_installations
      (client_id, app_id, team_id, team_name, bot_token, bot_id, bot_user_id, bot_scopes, bot_refresh_token, bot_token_expires_at, user_id, is_enterprise_install, token_type, installed_at) VALUES
      ('py-app', 'A1', 'T9', 'Nine', 'xoxb-old', 'B9', 'UB9', 'chat:write', NULL, NULL, 'U9', false, 'bot', '2024-01-01'),
      ('py-app', 'A1', 'T9', 'Nine', 'xoxe.xoxb-new', 'B9', 'UB9', 'chat:write,im:history', 'xoxe-1-r', '2030-01-01 00:00:00', 'U9', false, 'bot', '2024-06-01'),
      ('other-app', 'A2', 'T9', 'Nine', 'xoxb-other', 'B0', 'UB0', 'chat:write', NULL, NULL, 'U9', false, 'bot', '2024-07-01')`);
    await t.db.execute(sql`INSERT INTO legacy.slack_installations
      (client_id, app_id, enterprise_id, enterprise_name, bot_token, bot_id, bot_user_id, bot_scopes, user_id, is_enterprise_install, token_type) VALUES
      ('py-app', 'A1', 'E1', 'Grid', 'xoxb-org', 'BE', 'UBE', 'chat:write', 'UE', true, 'bot')`);
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "py-app" });
    const result = await importSlackInstallations(t.db, { store, format: "sqlalchemy", schema: "legacy", clientId: "py-app" });
    expect(result).toEqual({ read: 4, installations: 2, stored: 2, unchanged: 0, skipped: 0, skippedInstallations: [], dryRun: false });
    const nine = await store.fetchInstallation({ teamId: "T9", enterpriseId: undefined, isEnterpriseInstall: false });
    expect(nine.bot).toMatchObject({
      token: "xoxe.xoxb-new",
      refreshToken: "xoxe-1-r",
      expiresAt: Date.UTC(2030, 0, 1) / 1000,
      scopes: ["chat:write", "im:history"],
    });
    expect(nine.appId).toBe("A1");
    const org = await store.fetchInstallation({ teamId: undefined, enterpriseId: "E1", isEnterpriseInstall: true });
    expect(org).toMatchObject({ isEnterpriseInstall: true, enterprise: { id: "E1", name: "Grid" }, bot: { token: "xoxb-org" } });
    expect(await importSlackInstallations(t.db, { store, format: "sqlalchemy", schema: "legacy", clientId: "py-app" })).toMatchObject({
      stored: 0,
      unchanged: 2,
    });
  });

  it("decrypts tokens a source stored with Fernet, and refuses a bad table name or a store of its own before any SQL", async () => {
    await t.db.execute(sql`CREATE TABLE legacy.fernet_installs (LIKE legacy.slack_o_auth_installation INCLUDING DEFAULTS)`);
    const token = python.tokens[0]!;
    await t.db.execute(
      sql`INSERT INTO legacy.fernet_installs (team_id, bot_token, bot_id, bot_user_id, user_id) VALUES ('TF', ${token.token}, 'BF', 'UBF', 'UF')`,
    );
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "fernet-app" });
    const old = createKeyring({ keys: [python.key] });
    await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy", table: "fernet_installs", decryptToken: (v) => old.decrypt(v) });
    expect((await store.fetchInstallation({ teamId: "TF", enterpriseId: undefined, isEnterpriseInstall: false })).bot?.token).toBe(token.plaintext);
    await expect(importSlackInstallations(t.db, { store, format: "seed", table: "x; drop table y" })).rejects.toThrow(ValidationError);
    // Only a shared-db store: the import's "never replace a newer installation" is in its upsert.
    const wrapper = { storeInstallation: store.storeInstallation, fetchInstallation: store.fetchInstallation };
    await expect(importSlackInstallations(t.db, { store: wrapper as never, format: "seed" })).rejects.toMatchObject({
      code: "validation",
      field: "store",
    });
    // A token no key decrypts stops the import before any write.
    await t.db.execute(
      sql`INSERT INTO legacy.fernet_installs (team_id, bot_token, bot_id, bot_user_id, user_id) VALUES ('TG', ${python.tokens[1]!.token}, 'BG', 'UBG', 'UG'), ('TH', 'not-a-token', 'BH', 'UBH', 'UH')`,
    );
    const before = await bots();
    await expect(
      importSlackInstallations(t.db, { store, format: "seed", schema: "legacy", table: "fernet_installs", decryptToken: (v) => old.decrypt(v) }),
    ).rejects.toThrow(DecryptionError);
    expect(await bots()).toEqual(before);
  });
});
