import type { Installation } from "@slack/oauth";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { slackBots } from "../../src/schema";
import { createSlackInstallationStore, importSlackInstallations } from "../../src/slack";
import { onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });

/** What Bolt's OAuth callback hands the store after go-live. */
const liveInstall = (teamId: string, token: string): Installation<"v2", false> => ({
  team: { id: teamId, name: "Live" },
  enterprise: undefined,
  user: { id: "U1", token: `xoxp-${token}`, scopes: ["search:read"] },
  bot: { id: "B1", userId: "UB1", token: `xoxb-${token}`, scopes: ["chat:write"] },
  isEnterpriseInstall: false,
  authVersion: "v2",
});
const fetchTeam = (store: ReturnType<typeof createSlackInstallationStore>, teamId: string) =>
  store.fetchInstallation({ teamId, enterpriseId: undefined, userId: "U1", isEnterpriseInstall: false });
/** Every stored row of the three installation tables, ciphertext included. */
const snapshot = async () => ({
  bots: rowsOf(await t.db.execute(sql`select * from shared_db.slack_bots order by team_id`)),
  users: rowsOf(await t.db.execute(sql`select * from shared_db.slack_user_tokens order by team_id, user_id`)),
  history: rowsOf(await t.db.execute(sql`select * from shared_db.slack_installations order by team_id, installed_at`)),
});

const installedAt = async (teamId: string) =>
  (await t.db.select({ at: slackBots.installedAt }).from(slackBots).where(eq(slackBots.teamId, teamId)))[0]!.at;

/** The seed's table (one row per installation) with one legacy row for `teamId`. */
async function legacyRow(schema: string, teamId: string, token: string, installedAt: string) {
  await t.db.execute(sql`CREATE SCHEMA IF NOT EXISTS ${sql.identifier(schema)}`);
  await t.db.execute(sql`CREATE TABLE IF NOT EXISTS ${sql.identifier(schema)}.slack_o_auth_installation (
    id serial PRIMARY KEY, team_id varchar, team_name varchar, enterprise_id varchar, enterprise_name varchar,
    bot_token varchar, bot_id varchar, bot_user_id varchar, bot_scopes varchar, user_id varchar, user_token varchar,
    user_scopes varchar, incoming_webhook_url varchar, incoming_webhook_channel varchar, incoming_webhook_channel_id varchar,
    incoming_webhook_configuration_url varchar, is_enterprise_install boolean DEFAULT false, installed_at timestamptz NOT NULL DEFAULT now())`);
  await t.db.execute(sql`INSERT INTO ${sql.identifier(schema)}.slack_o_auth_installation
    (team_id, team_name, bot_token, bot_id, bot_user_id, bot_scopes, user_id, user_token, installed_at)
    VALUES (${teamId}, 'Legacy', ${`xoxb-${token}`}, 'B0', 'UB0', 'chat:write', 'U1', ${`xoxp-${token}`}, ${installedAt})`);
}

describe("re-running the import after go-live (issue 34, item 5)", () => {
  it("a 2020 legacy row never replaces the live installation: fetchInstallation returns the live token, the result names what was skipped", async () => {
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "app" });
    await store.storeInstallation(liveInstall("T1", "live"));
    await legacyRow("legacy_old", "T1", "revoked-2020", "2020-03-01T00:00:00Z");
    const before = await snapshot();
    const liveAt = await installedAt("T1");
    const skipped = (dryRun: boolean) => ({
      read: 1,
      installations: 1,
      stored: 0,
      unchanged: 0,
      skipped: 1,
      skippedInstallations: [
        {
          enterpriseId: null,
          teamId: "T1",
          userId: "U1",
          isEnterpriseInstall: false,
          installedAt: new Date("2020-03-01T00:00:00Z"),
          storedInstalledAt: liveAt,
        },
      ],
      dryRun,
    });

    const result = await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy_old" });
    expect((await fetchTeam(store, "T1")).bot?.token).toBe("xoxb-live");
    expect((await fetchTeam(store, "T1")).user.token).toBe("xoxp-live");
    expect(await snapshot()).toEqual(before);
    expect(result).toEqual(skipped(false));
    expect(JSON.stringify(result)).not.toMatch(/xox|sdb1:/);
    expect(await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy_old", dryRun: true })).toEqual(skipped(true));
  });

  it("a legacy row installed at the same time is skipped too; a newer one replaces the installation", async () => {
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "app" });
    await store.storeInstallation(liveInstall("T2", "live"));
    const liveAt = await installedAt("T2");
    await legacyRow("legacy_same", "T2", "same-time", liveAt.toISOString());
    expect(await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy_same" })).toMatchObject({ stored: 0, skipped: 1 });
    expect((await fetchTeam(store, "T2")).bot?.token).toBe("xoxb-live");

    await legacyRow("legacy_newer", "T2", "newer", new Date(liveAt.getTime() + 1000).toISOString());
    expect(await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy_newer" })).toMatchObject({
      stored: 1,
      skipped: 0,
      skippedInstallations: [],
    });
    expect((await fetchTeam(store, "T2")).bot?.token).toBe("xoxb-newer");
    // The import keeps the source's install time, so running it again compares like with like.
    expect(await installedAt("T2")).toEqual(new Date(liveAt.getTime() + 1000));
    expect(await importSlackInstallations(t.db, { store, format: "seed", schema: "legacy_newer" })).toMatchObject({ stored: 0, unchanged: 1 });
  });

  it.skipIf(!onServer)(`a live install committed while the import waits for the row wins: the comparison is in the upsert${serverOnly}`, async () => {
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "app" });
    await store.storeInstallation(liveInstall("T3", "first-live"));
    await t.db.execute(sql`update shared_db.slack_bots set installed_at = '2019-01-01' where team_id = 'T3'`);
    // Newer than the stored installation when the import looks, older than the one being installed.
    await legacyRow("legacy_race", "T3", "legacy-2020", "2020-01-01T00:00:00Z");
    const other = await createDb({ url: t.url, max: 1 });
    try {
      let release!: () => void;
      let locked!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const rowLocked = new Promise<void>((r) => {
        locked = r;
      });
      // A second process's install of T3, holding the row until released.
      const install = other.db.transaction(async (tx) => {
        await tx.execute(sql`update shared_db.slack_bots set installed_at = now() where team_id = 'T3'`);
        locked();
        await held;
      });
      await rowLocked;
      const imported = importSlackInstallations(t.db, { store, format: "seed", schema: "legacy_race" });
      let waiting = 0;
      for (let i = 0; i < 500 && waiting === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const [row] = rowsOf<{ n: number }>(
          await t.db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`),
        );
        waiting = row!.n;
      }
      expect(waiting).toBe(1);
      release();
      await install;
      expect(await imported).toMatchObject({ stored: 0, skipped: 1 });
      expect((await fetchTeam(store, "T3")).bot?.token).toBe("xoxb-first-live");
    } finally {
      await other.close();
    }
  });
});
