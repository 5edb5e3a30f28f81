// Issue 27, item 3: any role connected to the database can NOTIFY. Before the fix, the installation
// cache dropped whatever key a payload on its channel named, and flushed everything on a payload it
// could not parse. The attacker sends raw pg_notify on the channel: as the application role inside
// withRls, and (on the server) as another database's owner logged in to this database. Each
// forged shape must leave the cached entries in place; a genuine notice must still drop them.
import type { Installation } from "@slack/oauth";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { withRls } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { slackTokenAad } from "../../src/crypto/aad";
import { createSlackInstallationStore, type SlackInstallationStore } from "../../src/slack";
import { installationNotices } from "../../src/stores/slack-installation-cache";
import type { PublicUser } from "../../src/stores";
import { makeUser, onServer, serverOnly, useNeighbourLogin, useTestDb } from "../support/db";

const t = useTestDb();
const CHANNEL = "shared_db_slack_installation";
const serviceKey = generateKey();
const keyring = createKeyring({ keys: [serviceKey] });
let store: SlackInstallationStore; // the service process, with its cache and listener
let writer: SlackInstallationStore; // another service process: its writes are genuine notices
let user: PublicUser;
let team = 0;
/** Genuine notices, as an attacker listening on the channel sees them. */
const heard: string[] = [];
let stopListening: () => Promise<void> = async () => {};

beforeAll(async () => {
  const cache = { ttlSeconds: 300, listenUrl: t.url };
  store = createSlackInstallationStore({ db: t.db, keyring, clientId: "C", cache });
  writer = createSlackInstallationStore({ db: t.db, keyring, clientId: "C" });
  user = await makeUser(t.db, "attacker");
  // LISTEN needs no privilege: the attacker hears every genuine notice.
  if (onServer) {
    const listener = postgres(t.url!, { max: 1, onnotice: () => {} });
    await listener.listen(CHANNEL, (payload) => heard.push(payload));
    stopListening = () => listener.end();
  } else {
    const client = (t.db as unknown as { $client: { listen(c: string, cb: (p: string) => void): Promise<() => Promise<void>> } }).$client;
    stopListening = await client.listen(CHANNEL, (payload) => heard.push(payload));
  }
  await new Promise((r) => setTimeout(r, 200)); // listeners up
});
afterAll(async () => {
  await stopListening();
  await store?.close();
});

const install = (teamId: string, botToken: string): Installation => ({
  team: { id: teamId, name: "Victim" },
  enterprise: undefined,
  user: { id: "U1", token: "xoxp-1", scopes: [] },
  bot: { id: "B", userId: "UB", token: botToken, scopes: [] },
  isEnterpriseInstall: false,
  authVersion: "v2",
});
const q = (teamId: string) => ({ teamId, enterpriseId: undefined, isEnterpriseInstall: false as const });
const settle = () => new Promise((r) => setTimeout(r, 150));
const botToken = async (teamId: string) => (await store.fetchInstallation(q(teamId))).bot!.token;

/**
 * A cached installation whose stored token has since changed behind the cache's back: a fetch
 * answers "xoxb-cached" while the entry lives and "xoxb-db" once anything drops it.
 */
async function cachedVictim(): Promise<string> {
  const teamId = `TV${++team}`;
  await writer.storeInstallation(install(teamId, "xoxb-cached"));
  await settle();
  expect(await botToken(teamId)).toBe("xoxb-cached");
  const aad = slackTokenAad("slack_bots", "bot_token", { clientId: "C", enterpriseId: null, teamId });
  await t.db.execute(sql`update shared_db.slack_bots set bot_token = ${keyring.encrypt("xoxb-db", aad)} where team_id = ${teamId}`);
  return teamId;
}

/** Every forged payload naming `teamId`, in every shape the attacker can make without the service's keys. */
function forgeries(teamId: string): Record<string, string> {
  const key = { c: "C", e: null, t: teamId };
  const body = JSON.stringify({ ...key, n: randomBytes(16).toString("base64url"), at: Date.now() });
  const genuine = heard.at(-1)!; // a genuine notice for another installation
  const [genuineMac] = genuine.split(".");
  return {
    "the old payload: a bare JSON key, no MAC": JSON.stringify(key),
    "a random MAC": `${randomBytes(32).toString("base64url")}.${body}`,
    "a MAC under another key (the attacker's own keyring)": installationNotices(createKeyring({ keys: [generateKey()] })).seal(key),
    "a genuine notice's MAC on a body naming the victim": `${genuineMac}.${body}`,
    "a genuine notice for another installation, edited to name the victim": genuine.replace(/"t":"[^"]*"/, `"t":"${teamId}"`),
    "a truncated MAC": `${genuineMac!.slice(0, 20)}.${body}`,
    "malformed JSON": "{",
    "JSON null": "null",
    "an empty payload": "",
    "a lone dot": ".",
    "a MAC and nothing else": `${genuineMac}.`,
    "a huge payload (pg_notify's limit)": `${genuineMac}.${JSON.stringify({ ...key, pad: "x".repeat(7800) })}`,
  };
}

/** Sends each payload with raw pg_notify, the channel spelt out, as `send` runs SQL. */
async function sendAll(send: (payload: string) => Promise<unknown>, payloads: string[]) {
  for (const payload of payloads) await send(payload);
  await settle();
}

const asAppRole = (payload: string) =>
  withRls(t.db, { userId: user.id }, (tx) => tx.execute(sql`select pg_notify('shared_db_slack_installation', ${payload})`));

describe("forged cache notices (item 3)", () => {
  it("from inside withRls: every forged shape leaves the cached entries in place; a genuine notice still drops them", async () => {
    const victim = await cachedVictim();
    const bystander = await cachedVictim();
    const forged = forgeries(victim);
    for (const [shape, payload] of Object.entries(forged)) {
      await sendAll(asAppRole, [payload]);
      expect(await botToken(victim), shape).toBe("xoxb-cached");
    }
    expect(await botToken(bystander), "nothing flushed").toBe("xoxb-cached");
    // The control: a genuine notice on the same channel is acted on, so the checks above could fail.
    await t.db.execute(sql`select pg_notify('shared_db_slack_installation', ${installationNotices(keyring).seal({ c: "C", e: null, t: victim })})`);
    await expect.poll(() => botToken(victim), { timeout: 1000, interval: 20 }).toBe("xoxb-db");
    expect(await botToken(bystander)).toBe("xoxb-cached");
  });

  it("a replay of a genuine notice (heard on the channel) drops nothing", async () => {
    const victim = await cachedVictim();
    // The write above sent a genuine notice for the victim; the cache acted on it then (before caching).
    const genuine = heard.filter((p) => p.includes(`"t":"${victim}"`));
    expect(genuine.length).toBeGreaterThan(0);
    await sendAll(asAppRole, genuine);
    expect(await botToken(victim)).toBe("xoxb-cached");
  });

  describe("another database's owner, logged in to this database", () => {
    const login = useNeighbourLogin(t);
    let neighbour: postgres.Sql | undefined;
    beforeAll(() => {
      if (onServer) neighbour = postgres(login.url, { max: 1, onnotice: () => {} });
    });
    afterAll(() => neighbour?.end());

    it.skipIf(!onServer)(`sends every forged shape and a replay with pg_notify: the cached entries stay${serverOnly}`, async () => {
      const victim = await cachedVictim();
      const bystander = await cachedVictim();
      const replays = heard.filter((p) => p.includes(`"t":"${victim}"`));
      const payloads = [...Object.values(forgeries(victim)), ...replays];
      await sendAll((p) => neighbour!`select pg_notify('shared_db_slack_installation', ${p})`, payloads);
      expect(await botToken(victim)).toBe("xoxb-cached");
      expect(await botToken(bystander)).toBe("xoxb-cached");
    });
  });

  it("a notice is opened once, only by a holder of the keys, and only within five minutes of being sealed", () => {
    const key = { c: "C", e: "E1", t: null };
    const notices = installationNotices(keyring);
    const fresh = notices.seal(key);
    expect(notices.open(fresh)).toEqual(key);
    expect(notices.open(fresh)).toBeUndefined();
    // A keyring whose old key is the service's (mid-rotation) still opens it: every key verifies.
    const rotated = createKeyring({ keys: [generateKey(), serviceKey] });
    expect(installationNotices(rotated).open(notices.seal(key))).toEqual(key);
    vi.useFakeTimers({ now: Date.now() - 6 * 60_000 });
    const stale = notices.seal(key);
    vi.useRealTimers();
    expect(notices.open(stale)).toBeUndefined();
  });

  it("a genuine write in another process still drops the entry", async () => {
    const victim = await cachedVictim();
    await writer.storeInstallation(install(victim, "xoxb-rotated"));
    await expect.poll(() => botToken(victim), { timeout: 1000, interval: 20 }).toBe("xoxb-rotated");
  });
});
