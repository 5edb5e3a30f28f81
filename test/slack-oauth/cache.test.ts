import type { Installation } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import type { Db } from "../../src/db";
import { createSlackInstallationStore, type SlackInstallationStore } from "../../src/slack";
import { installationNotices, SLACK_INSTALLATION_CHANNEL } from "../../src/stores/slack-installation-cache";
import { slackTokenAad } from "../../src/crypto/aad";
import { onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let other: DbHandle | undefined;
let a: SlackInstallationStore; // the "process" that writes
let b: SlackInstallationStore; // another "process" with its own cache and listener
let team = 0;

beforeAll(async () => {
  // On the server, the two stores use separate pools and separate listener connections.
  other = onServer ? await createDb({ url: t.url }) : undefined;
  const cache = { ttlSeconds: 300, listenUrl: t.url };
  a = createSlackInstallationStore({ db: t.db, keyring, clientId: "C", cache });
  b = createSlackInstallationStore({ db: other?.db ?? t.db, keyring, clientId: "C", cache });
  await new Promise((r) => setTimeout(r, 200)); // listeners up
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await other?.close();
});

const install = (teamId: string, botToken: string, user = { id: "U1", token: "xoxp-1" }, expiresAt?: number): Installation => ({
  team: { id: teamId, name: "Cached" },
  enterprise: undefined,
  user: { ...user, scopes: [] },
  bot: { id: "B", userId: "UB", token: botToken, scopes: [], ...(expiresAt && { refreshToken: "xoxe-r", expiresAt }) },
  isEnterpriseInstall: false,
  authVersion: "v2",
});
/** Lets the write's own notification reach every listener first. */
const settle = () => new Promise((r) => setTimeout(r, 100));
const q = (teamId: string, userId?: string) => ({ teamId, enterpriseId: undefined, isEnterpriseInstall: false as const, userId });

/** Changes the stored bot token behind every cache's back (no NOTIFY), to see what a cache serves. */
async function sneakyWrite(db: Db, teamId: string, token: string) {
  const aad = slackTokenAad("slack_bots", "bot_token", { clientId: "C", enterpriseId: null, teamId });
  await db.execute(sql`update shared_db.slack_bots set bot_token = ${keyring.encrypt(token, aad)} where team_id = ${teamId}`);
}

describe("installation cache", () => {
  it("serves repeated fetches from memory, and a write in the same process invalidates at once", async () => {
    const id = `TC${++team}`;
    await a.storeInstallation(install(id, "xoxb-v1"));
    await settle();
    expect((await a.fetchInstallation(q(id))).bot!.token).toBe("xoxb-v1");
    await sneakyWrite(t.db, id, "xoxb-sneaky");
    expect((await a.fetchInstallation(q(id))).bot!.token).toBe("xoxb-v1"); // cached
    await a.storeInstallation(install(id, "xoxb-v2"));
    expect((await a.fetchInstallation(q(id))).bot!.token).toBe("xoxb-v2");
  });

  it("a rotation, an uninstall and a new user install in one process reach the other's cache", async () => {
    const id = `TC${++team}`;
    await a.storeInstallation(install(id, "xoxb-old"));
    expect((await b.fetchInstallation(q(id))).bot!.token).toBe("xoxb-old");
    await a.storeInstallation(install(id, "xoxb-rotated"));
    await expect.poll(async () => (await b.fetchInstallation(q(id))).bot!.token, { timeout: 200, interval: 10 }).toBe("xoxb-rotated");

    expect((await b.fetchInstallation(q(id, "U2"))).user.token).toBeUndefined();
    await a.storeInstallation({ ...install(id, "xoxb-rotated"), bot: undefined, user: { id: "U2", token: "xoxp-2", scopes: [] } });
    await expect.poll(async () => (await b.fetchInstallation(q(id, "U2"))).user.token, { timeout: 200, interval: 10 }).toBe("xoxp-2");

    await a.deleteAll(q(id));
    await expect
      .poll(
        () =>
          b.fetchInstallation(q(id)).then(
            () => "found",
            () => "gone",
          ),
        { timeout: 200, interval: 10 },
      )
      .toBe("gone");
  });

  it("a rolled-back write notifies nobody", async () => {
    const id = `TC${++team}`;
    await a.storeInstallation(install(id, "xoxb-kept"));
    await settle();
    expect((await b.fetchInstallation(q(id))).bot!.token).toBe("xoxb-kept");
    await sneakyWrite(t.db, id, "xoxb-sneaky");
    await t.db
      .transaction(async (tx) => {
        // A genuine notice (sealed with the stores' keyring), in a transaction that rolls back.
        const notice = installationNotices(keyring).seal({ c: "C", e: null, t: id });
        await tx.execute(sql`select pg_notify(${SLACK_INSTALLATION_CHANNEL}, ${notice})`);
        throw new Error("rolled back");
      })
      .catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect((await b.fetchInstallation(q(id))).bot!.token).toBe("xoxb-kept");
  });

  it("never serves a token inside the refresh window from memory", async () => {
    const id = `TC${++team}`;
    await a.storeInstallation(install(id, "xoxb-expiring", undefined, Math.floor(Date.now() / 1000) + 600));
    expect((await a.fetchInstallation(q(id))).bot!.token).toBe("xoxb-expiring");
    await sneakyWrite(t.db, id, "xoxb-from-db");
    expect((await a.fetchInstallation(q(id))).bot!.token).toBe("xoxb-from-db");
  });

  it("keeps at most maxEntries, evicting the workspace stored longest ago", async () => {
    const small = createSlackInstallationStore({ db: t.db, keyring, clientId: "C", cache: { maxEntries: 2 } });
    const ids = [`TC${++team}`, `TC${++team}`, `TC${++team}`];
    for (const id of ids) await a.storeInstallation(install(id, `xoxb-${id}`));
    await settle();
    for (const id of ids) await small.fetchInstallation(q(id));
    for (const id of ids) await sneakyWrite(t.db, id, "xoxb-db");
    expect((await small.fetchInstallation(q(ids[0]!))).bot!.token).toBe("xoxb-db");
    expect((await small.fetchInstallation(q(ids[2]!))).bot!.token).toBe(`xoxb-${ids[2]}`);
    await small.close();
  });

  it("returns frozen installations, so a caller cannot change what others are served", async () => {
    const id = `TC${++team}`;
    await a.storeInstallation(install(id, "xoxb-frozen"));
    await settle();
    await a.fetchInstallation(q(id));
    const cached = await a.fetchInstallation(q(id));
    expect(() => {
      (cached.bot as { token: string }).token = "changed";
    }).toThrow(TypeError);
  });

  it.skipIf(!onServer)(`flushes when its listener connection drops, and keeps answering correctly${serverOnly}`, async () => {
    const id = `TC${++team}`;
    await a.storeInstallation(install(id, "xoxb-before-drop"));
    await settle();
    expect((await b.fetchInstallation(q(id))).bot!.token).toBe("xoxb-before-drop");
    await sneakyWrite(t.db, id, "xoxb-after-drop");
    expect((await b.fetchInstallation(q(id))).bot!.token).toBe("xoxb-before-drop");
    await t.db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'shared-db-cache-listener' and datname = current_database()`,
    );
    await expect.poll(async () => (await b.fetchInstallation(q(id))).bot!.token, { timeout: 2000, interval: 20 }).toBe("xoxb-after-drop");
    // The listeners reconnect: invalidation across processes works again.
    await new Promise((r) => setTimeout(r, 300));
    await a.storeInstallation(install(id, "xoxb-after-reconnect"));
    await expect.poll(async () => (await b.fetchInstallation(q(id))).bot!.token, { timeout: 500, interval: 10 }).toBe("xoxb-after-reconnect");
  });
});
