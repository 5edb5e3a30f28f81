import type { Installation } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf, type Db } from "../../src/db";
import { SharedDbError } from "../../src/errors";
import { createSlackInstallationStore, SlackTokenRefreshError, type SlackInstallationQuery } from "../../src/slack";
import { slackTokenAad } from "../../src/crypto/aad";
import { onServer, serverOnly, useTestDb } from "../support/db";
import { refreshAnswer, startLocalSlack, type LocalSlack } from "./local-slack";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let slack: LocalSlack;
let n = 0;

beforeAll(async () => {
  slack = await startLocalSlack();
});
afterAll(() => slack.close());

const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;
/** An installation whose bot token expires in `expiresIn` seconds; the installer has a plain user token. */
const rotating = (ids: { team?: string; enterprise?: string; org?: boolean }, expiresIn = 60): Installation =>
  ({
    team: ids.org ? undefined : { id: ids.team!, name: "Rotating" },
    enterprise: ids.enterprise ? { id: ids.enterprise, name: "Grid" } : undefined,
    user: { id: "U_INSTALLER", token: "xoxp-installer", scopes: ["search:read"] },
    bot: { id: "B1", userId: "UB", token: "xoxe.xoxb-old", refreshToken: "xoxe-1-old", expiresAt: inSeconds(expiresIn), scopes: ["chat:write"] },
    appId: "A1",
    isEnterpriseInstall: !!ids.org,
    authVersion: "v2",
  }) as Installation;
const rotation = (extra: object = {}) => ({ clientSecret: "s3cret", slackApiUrl: slack.apiUrl, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Installation rows locked by a refresh (the ones FOR UPDATE SKIP LOCKED passes over; row locks
 * are not in pg_locks) and transactions left open in this test's database.
 */
async function heldInDatabase(db: Db) {
  const [row] = rowsOf<{ locks: number; open: number }>(
    await db.execute(sql`select
      (select count(*)::int from shared_db.slack_bots)
        - (select count(*)::int from (select 1 from shared_db.slack_bots for update skip locked) free) as locks,
      (select count(*)::int from pg_stat_activity where datname = current_database() and state like 'idle in transaction%') as open`),
  );
  return row!;
}

describe("token refresh", () => {
  it.skipIf(!onServer)(`is exactly once for every query shape of one installation, across 4 pools${serverOnly}`, async () => {
    const team = `T_MIX_${++n}`;
    const org = `E_ORG_${n}`;
    const handles: DbHandle[] = await Promise.all(Array.from({ length: 4 }, () => createDb({ url: t.url, max: 5 })));
    // Slack answers late, so every fetch reads the expiring token before the refresh lands.
    slack.answer = async (_m, p) => (await sleep(150), refreshAnswer(p));
    try {
      const stores = handles.map((h, i) =>
        createSlackInstallationStore({
          db: h.db,
          keyring,
          clientId: "C_MIX",
          tokenRotation: rotation(),
          ...(i % 2 ? { cache: { ttlSeconds: 600 } } : {}),
        }),
      );
      await stores[0]!.storeInstallation(rotating({ team, enterprise: "E_GRID" }));
      await stores[0]!.storeInstallation(rotating({ enterprise: org, org: true }));
      const teamShapes: SlackInstallationQuery[] = [
        { teamId: team, enterpriseId: "E_GRID", isEnterpriseInstall: false },
        { teamId: team, enterpriseId: undefined, isEnterpriseInstall: false },
        { teamId: team, enterpriseId: "E_GRID", isEnterpriseInstall: false, userId: "U_NEVER" },
        { teamId: team, isEnterpriseInstall: false, userId: "U_INSTALLER" } as SlackInstallationQuery,
        { teamId: team } as SlackInstallationQuery,
      ];
      const orgShapes: SlackInstallationQuery[] = [
        { enterpriseId: org, teamId: undefined, isEnterpriseInstall: true },
        { enterpriseId: org, teamId: "T_SOME_WORKSPACE", isEnterpriseInstall: true },
        { enterpriseId: org, isEnterpriseInstall: true, userId: "U_NEVER" } as SlackInstallationQuery,
        { enterpriseId: org } as SlackInstallationQuery,
      ];
      const before = slack.refreshes.length;
      const fetchAll = (shapes: SlackInstallationQuery[]) =>
        Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 4]!.fetchInstallation(shapes[i % shapes.length]!)));
      const [teamResults, orgResults] = await Promise.all([fetchAll(teamShapes), fetchAll(orgShapes)]);
      expect(slack.refreshes.slice(before)).toHaveLength(2); // one per installation
      for (const results of [teamResults, orgResults]) {
        const tokens = new Set(results.map((r) => r.bot!.token));
        expect(tokens.size).toBe(1);
        expect([...tokens][0]).toMatch(/^xoxe\.xoxb-fresh-/);
      }
      expect(teamResults[0]!.bot!.token).not.toBe(orgResults[0]!.bot!.token);
    } finally {
      slack.answer = (_m, p) => refreshAnswer(p);
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it("throws SlackTokenRefreshError with Slack's error code and keeps the stored tokens", async () => {
    const team = `T_ERR_${++n}`;
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "C_ERR", tokenRotation: rotation() });
    await store.storeInstallation(rotating({ team }));
    slack.answer = () => ({ ok: false, error: "invalid_refresh_token" });
    try {
      const e = await store.fetchInstallation({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SlackTokenRefreshError);
      expect(e).toBeInstanceOf(SharedDbError);
      expect(e).toMatchObject({ code: "upstream", reason: "invalid_refresh_token", name: "SlackTokenRefreshError" });
    } finally {
      slack.answer = (_m, p) => refreshAnswer(p);
    }
    const plain = createSlackInstallationStore({ db: t.db, keyring, clientId: "C_ERR" });
    expect((await plain.fetchInstallation({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false })).bot).toMatchObject({
      token: "xoxe.xoxb-old",
      refreshToken: "xoxe-1-old",
    });
  });

  it("gives up at its deadline when Slack never answers: typed error, lock and transaction released, tokens kept", async () => {
    const team = `T_HANG_${++n}`;
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "C_HANG", tokenRotation: rotation({ refreshTimeoutMs: 300 }) });
    await store.storeInstallation(rotating({ team }));
    const received = slack.refreshes.length;
    slack.answer = () => new Promise(() => {}); // never answers
    try {
      const pending = store.fetchInstallation({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false });
      const outcome = pending.catch((x: unknown) => x);
      await expect.poll(() => slack.refreshes.length, { timeout: 5000 }).toBe(received + 1);
      if (onServer) expect((await heldInDatabase(t.db)).locks).toBe(1); // held while Slack is asked...
      const e = await outcome;
      expect(e).toBeInstanceOf(SlackTokenRefreshError);
      expect(e).toMatchObject({ code: "upstream", reason: "timeout" });
    } finally {
      slack.answer = (_m, p) => refreshAnswer(p);
    }
    // ...and released with the transaction once the deadline passed. (On PGlite, the single
    // connection would still be inside the transaction: the next statements would wait for it.)
    if (onServer) expect(await heldInDatabase(t.db)).toEqual({ locks: 0, open: 0 });
    const plain = createSlackInstallationStore({ db: t.db, keyring, clientId: "C_HANG" });
    const kept = await plain.fetchInstallation({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false });
    expect(kept.bot).toMatchObject({ token: "xoxe.xoxb-old", refreshToken: "xoxe-1-old" });
    // Slack answers again: the next fetch refreshes.
    expect((await store.fetchInstallation({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false })).bot!.token).toMatch(
      /^xoxe\.xoxb-fresh-/,
    );
  });

  it.skipIf(!onServer)(`a fetch waiting for a hung refresh in another pool gives up at its own deadline${serverOnly}`, async () => {
    const team = `T_WAIT_${++n}`;
    const other = await createDb({ url: t.url, max: 2 });
    const a = createSlackInstallationStore({ db: t.db, keyring, clientId: "C_WAIT", tokenRotation: rotation({ refreshTimeoutMs: 2000 }) });
    const b = createSlackInstallationStore({ db: other.db, keyring, clientId: "C_WAIT", tokenRotation: rotation({ refreshTimeoutMs: 200 }) });
    await a.storeInstallation(rotating({ team }));
    await a.storeInstallation(rotating({ team: `${team}_OTHER` }));
    const received = slack.refreshes.length;
    slack.answer = (_m, p) =>
      p.refresh_token === "xoxe-1-old" && slack.refreshes.length === received + 1 ? new Promise(() => {}) : refreshAnswer(p);
    try {
      const hung = a.fetchInstallation({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false }).catch((x: unknown) => x);
      await expect.poll(() => slack.refreshes.length, { timeout: 5000 }).toBe(received + 1);
      // Another workspace refreshes meanwhile; the same one waits for the lock, then gives up.
      expect((await b.fetchInstallation({ teamId: `${team}_OTHER`, isEnterpriseInstall: false, enterpriseId: undefined })).bot!.token).toMatch(
        /fresh/,
      );
      await expect(b.fetchInstallation({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toMatchObject({
        code: "upstream",
        reason: "timeout",
      });
      expect(slack.refreshes.length).toBe(received + 2);
      expect(await hung).toMatchObject({ code: "upstream", reason: "timeout" });
      expect(await heldInDatabase(t.db)).toEqual({ locks: 0, open: 0 });
    } finally {
      slack.answer = (_m, p) => refreshAnswer(p);
      await other.close();
    }
  });

  it("a cached entry ends when its token enters the refresh window, even with a longer TTL", async () => {
    const team = `T_WIN_${++n}`;
    const store = createSlackInstallationStore({
      db: t.db,
      keyring,
      clientId: "C_WIN",
      cache: { ttlSeconds: 600 },
      tokenRotation: rotation({ refreshWithinSeconds: 1 }),
    });
    try {
      const expiresAt = inSeconds(3);
      await store.storeInstallation({ ...rotating({ team }), bot: { ...rotating({ team }).bot!, expiresAt } });
      const q = { teamId: team, enterpriseId: undefined, isEnterpriseInstall: false } as const;
      expect((await store.fetchInstallation(q)).bot!.token).toBe("xoxe.xoxb-old");
      // Behind the cache's back, so only a database read can see it.
      const aad = slackTokenAad("slack_bots", "bot_token", { clientId: "C_WIN", enterpriseId: null, teamId: team });
      await t.db.execute(sql`update shared_db.slack_bots set bot_token = ${keyring.encrypt("xoxe.xoxb-in-db", aad)} where team_id = ${team}`);
      expect((await store.fetchInstallation(q)).bot!.token).toBe("xoxe.xoxb-old"); // cached
      await sleep(expiresAt * 1000 - 1000 - Date.now() + 50); // the token is now inside its 1 s window
      const got = await store.fetchInstallation(q);
      expect(got.bot!.token).toMatch(/^xoxe\.xoxb-fresh-/);
      expect(got.bot!.expiresAt! * 1000).toBeGreaterThan(Date.now() + 1000);
    } finally {
      await store.close();
    }
  });

  it("rejects a refresh deadline that is not a positive whole number of milliseconds", () => {
    for (const refreshTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() => createSlackInstallationStore({ db: t.db, keyring, clientId: "C", tokenRotation: rotation({ refreshTimeoutMs }) })).toThrow(
        expect.objectContaining({ field: "tokenRotation.refreshTimeoutMs" }),
      );
    }
  });
});
