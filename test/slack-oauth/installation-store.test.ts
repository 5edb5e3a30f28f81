import assert from "node:assert/strict";
import type { Installation } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { slackBots, slackUserTokens } from "../../src/schema";
import { createSlackInstallationStore, SlackInstallationNotFoundError, type SlackInstallationStore } from "../../src/slack";
import { ValidationError } from "../../src/errors";
import { useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let store: SlackInstallationStore;
let n = 0;

/** A workspace installation as Bolt hands it to storeInstallation. */
function install(overrides: Partial<Installation> = {}, team = `T${++n}`): Installation<"v2", false> {
  return {
    team: { id: team, name: `Team ${team}` },
    enterprise: undefined,
    user: { id: "U_INSTALLER", token: `xoxp-installer-${team}`, scopes: ["search:read"] },
    bot: { id: "B1", userId: "U_BOT", token: `xoxb-bot-${team}`, scopes: ["chat:write", "commands"] },
    appId: "A1",
    tokenType: "bot",
    isEnterpriseInstall: false,
    authVersion: "v2",
    ...overrides,
  } as Installation<"v2", false>;
}

beforeAll(() => {
  store = createSlackInstallationStore({ db: t.db, keyring, clientId: "client-1" });
});

describe("Slack InstallationStore", () => {
  it("round-trips every field: metadata, webhook, enterprise URL, app id, auth version", async () => {
    const full = install({
      enterprise: { id: "E1", name: "Grid" },
      enterpriseUrl: "https://grid.enterprise.slack.com/",
      incomingWebhook: {
        url: "https://hooks.slack.com/services/T/B/x",
        channel: "#general",
        channelId: "C1",
        configurationUrl: "https://x.slack.com/conf",
      },
      metadata: '{"plan":"pro"}',
      user: { id: "U_INSTALLER", token: "xoxp-1", scopes: ["search:read"], refreshToken: "xoxe-user-r1", expiresAt: 2_000_000_000 },
      bot: { id: "B1", userId: "U_BOT", token: "xoxb-1", scopes: ["chat:write"], refreshToken: "xoxe-r1", expiresAt: 2_000_000_000 },
    });
    await store.storeInstallation(full);
    const got = await store.fetchInstallation({ teamId: full.team.id, enterpriseId: "E1", isEnterpriseInstall: false, userId: "U_INSTALLER" });
    expect(got).toEqual(full);
  });

  it("a token stored with expiresAt: null never expires: no expiry is stored, none is fetched", async () => {
    const a = install({
      user: { id: "U_INSTALLER", token: "xoxp-n", scopes: [], refreshToken: "xoxe-user-n", expiresAt: null as unknown as number },
      bot: { id: "B1", userId: "U_BOT", token: "xoxb-n", scopes: [], refreshToken: "xoxe-n", expiresAt: null as unknown as number },
    });
    await store.storeInstallation(a);
    const bots = await t.db.select({ expiresAt: slackBots.botTokenExpiresAt }).from(slackBots).where(sql`${slackBots.teamId} = ${a.team!.id}`);
    expect(bots).toEqual([{ expiresAt: null }]);
    const users = await t.db
      .select({ expiresAt: slackUserTokens.userTokenExpiresAt })
      .from(slackUserTokens)
      .where(sql`${slackUserTokens.teamId} = ${a.team!.id}`);
    expect(users).toEqual([{ expiresAt: null }]);
    const got = await store.fetchInstallation({ teamId: a.team!.id, enterpriseId: undefined, isEnterpriseInstall: false, userId: "U_INSTALLER" });
    expect(got.bot?.expiresAt).toBeUndefined();
    expect(got.user.expiresAt).toBeUndefined();
    expect(got.bot?.token).toBe("xoxb-n");
  });

  it("returns the latest bot and the asking user's tokens; a user who never installed gets the bot only", async () => {
    const a = install();
    await store.storeInstallation(a);
    await store.storeInstallation({
      ...a,
      user: { id: "U_OTHER", token: "xoxp-other", scopes: ["search:read"] },
      bot: { ...a.bot!, token: "xoxb-newer" },
    });
    const installer = await store.fetchInstallation({
      teamId: a.team.id,
      enterpriseId: undefined,
      isEnterpriseInstall: false,
      userId: "U_INSTALLER",
    });
    expect(installer.bot!.token).toBe("xoxb-newer");
    expect(installer.user).toMatchObject({ id: "U_INSTALLER", token: a.user.token });
    const stranger = await store.fetchInstallation({ teamId: a.team.id, enterpriseId: undefined, isEnterpriseInstall: false, userId: "U_NEVER" });
    expect(stranger.bot!.token).toBe("xoxb-newer");
    expect(stranger.user).toEqual({ id: "U_NEVER", token: undefined, scopes: undefined });
  });

  it("keeps the workspace's bot when a user installs with user scopes only", async () => {
    const a = install();
    await store.storeInstallation(a);
    await store.storeInstallation({ ...a, bot: undefined, user: { id: "U_SECOND", token: "xoxp-second", scopes: ["search:read"] } });
    const got = await store.fetchInstallation({ teamId: a.team.id, enterpriseId: undefined, isEnterpriseInstall: false, userId: "U_SECOND" });
    expect(got.bot!.token).toBe(a.bot!.token);
    expect(got.user.token).toBe("xoxp-second");
  });

  it("a token-rotation save never touches another user's tokens nor writes an empty token over a stored one", async () => {
    const a = install();
    await store.storeInstallation(a);
    await store.storeInstallation({ ...a, user: { id: "U_SECOND", token: "xoxp-second", scopes: [] } });
    // Bolt writes back the object it fetched for U_NEVER (no user token), with a refreshed bot token.
    const fetched = await store.fetchInstallation({ teamId: a.team.id, enterpriseId: undefined, isEnterpriseInstall: false, userId: "U_NEVER" });
    await store.storeInstallation({ ...fetched, bot: { ...fetched.bot!, token: "xoxb-rotated" } });
    // And an object with an empty user token for the installer.
    await store.storeInstallation({ ...a, user: { ...a.user, token: "" }, bot: { ...a.bot!, token: "" } });
    const installer = await store.fetchInstallation({
      teamId: a.team.id,
      enterpriseId: undefined,
      isEnterpriseInstall: false,
      userId: "U_INSTALLER",
    });
    expect(installer.user.token).toBe(a.user.token);
    expect(installer.bot!.token).toBe("xoxb-rotated");
    const second = await store.fetchInstallation({ teamId: a.team.id, enterpriseId: undefined, isEnterpriseInstall: false, userId: "U_SECOND" });
    expect(second.user.token).toBe("xoxp-second");
  });

  it("finds an org-wide install by enterprise id, ignoring any teamId", async () => {
    const org = { ...install(), team: undefined, enterprise: { id: "E_ORG", name: "Org" }, isEnterpriseInstall: true } as unknown as Installation;
    await store.storeInstallation(org);
    const got = await store.fetchInstallation({ enterpriseId: "E_ORG", teamId: "T_ANY" as never, isEnterpriseInstall: true });
    expect(got).toMatchObject({ isEnterpriseInstall: true, enterprise: { id: "E_ORG" } });
    expect("team" in got).toBe(false);
    expect(got.bot!.token).toBe(org.bot!.token);
  });

  it("deleteInstallation with a userId deletes only that user's tokens; without, everything; twice is fine", async () => {
    const a = install();
    await store.storeInstallation(a);
    await store.storeInstallation({ ...a, bot: undefined, user: { id: "U_SECOND", token: "xoxp-second", scopes: [] } });
    const q = { teamId: a.team.id, enterpriseId: undefined, isEnterpriseInstall: false } as const;
    await store.deleteInstallation({ ...q, userId: "U_SECOND" });
    expect((await store.fetchInstallation({ ...q, userId: "U_SECOND" })).user.token).toBeUndefined();
    expect((await store.fetchInstallation({ ...q, userId: "U_INSTALLER" })).user.token).toBe(a.user.token);
    await store.deleteInstallation(q);
    await store.deleteInstallation(q);
    await expect(store.fetchInstallation(q)).rejects.toBeInstanceOf(SlackInstallationNotFoundError);
    const left = await t.db.execute(sql`select count(*)::int as n from shared_db.slack_installations where team_id = ${a.team.id}`);
    expect(rowsOf<{ n: number }>(left)[0]!.n).toBe(0);
  });

  it("deleteBot removes the bot token and keeps user tokens", async () => {
    const a = install();
    await store.storeInstallation(a);
    const q = { teamId: a.team.id, enterpriseId: undefined, isEnterpriseInstall: false, userId: "U_INSTALLER" } as const;
    await store.deleteBot(q);
    const got = await store.fetchInstallation(q);
    expect(got.bot).toBeUndefined();
    expect(got.user.token).toBe(a.user.token);
  });

  it("throws a clear error for a missing installation, never an object with null fields", async () => {
    const e = await store.fetchInstallation({ teamId: "T_MISSING", enterpriseId: undefined, isEnterpriseInstall: false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SlackInstallationNotFoundError);
    expect((e as Error).message).toBe("Slack installation not found: team T_MISSING for client client-1");
  });

  it("keeps apps apart by client id", async () => {
    const a = install();
    await store.storeInstallation(a);
    const other = createSlackInstallationStore({ db: t.db, keyring, clientId: "client-2" });
    await expect(other.fetchInstallation({ teamId: a.team.id, enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toBeInstanceOf(
      SlackInstallationNotFoundError,
    );
  });

  it("stores no plaintext token anywhere, and binds each ciphertext to its column and installation", async () => {
    const a = install({
      bot: { id: "B1", userId: "U_BOT", token: "xoxb-PLAINTEXT-CHECK", scopes: [], refreshToken: "xoxe-PLAINTEXT-R", expiresAt: 2e9 },
    });
    await store.storeInstallation(a);
    for (const table of ["slack_bots", "slack_user_tokens", "slack_installations"]) {
      const dump = JSON.stringify(rowsOf(await t.db.execute(sql.raw(`select * from shared_db.${table}`))));
      expect(dump).not.toMatch(/xox[bpe]-/);
    }
    // A bot token copied into another workspace's row fails to decrypt rather than leaking.
    const b = install();
    await store.storeInstallation(b);
    await t.db.execute(
      sql`update ${slackBots} set bot_token = (select bot_token from ${slackBots} where team_id = ${a.team.id}) where team_id = ${b.team.id}`,
    );
    await expect(store.fetchInstallation({ teamId: b.team.id, enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow(
      /Cannot decrypt/,
    );
    void slackUserTokens;
  });

  it("lists installations without tokens, page by page, and finds expiring rotating tokens", async () => {
    const soon = Math.floor(Date.now() / 1000) + 600;
    const listStore = createSlackInstallationStore({ db: t.db, keyring, clientId: "client-list" });
    for (let i = 0; i < 5; i++) {
      await listStore.storeInstallation(
        install(i === 0 ? { bot: { id: "B", userId: "U", token: "xoxb-x", scopes: [], refreshToken: "xoxe-r", expiresAt: soon } } : {}),
      );
    }
    const first = await listStore.listInstallations({ limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(JSON.stringify(first)).not.toContain("xox");
    const second = await listStore.listInstallations({ limit: 3, cursor: first.nextCursor });
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeUndefined();
    const expiring = await listStore.findExpiringTokens(3600);
    expect(expiring).toHaveLength(1);
    expect(expiring[0]).toMatchObject({ kind: "bot", isEnterpriseInstall: false });
    expect(await listStore.findExpiringTokens(60)).toHaveLength(0);
    await expect(listStore.listInstallations({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });

  it("fetches an installation with no key whose value is undefined: it deep-equals what was stored", async () => {
    const { enterprise: _none, ...minimal } = install({ user: { id: "U_INSTALLER", token: "xoxp-min" } as Installation["user"] });
    await store.storeInstallation(minimal as Installation);
    const got = await store.fetchInstallation({ teamId: minimal.team.id, enterpriseId: undefined, isEnterpriseInstall: false });
    assert.deepStrictEqual(got, minimal);
    const undefinedKeys = (o: object, path = ""): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v === undefined ? [`${path}${k}`] : v && typeof v === "object" ? undefinedKeys(v, `${path}${k}.`) : []));
    const never = await store.fetchInstallation({ teamId: minimal.team.id, enterpriseId: undefined, isEnterpriseInstall: false, userId: "U_NEVER" });
    expect([...undefinedKeys(got), ...undefinedKeys(never)]).toEqual([]);
    expect(never.user).toStrictEqual({ id: "U_NEVER" });
  });

  it("reads a query with an enterpriseId, no teamId and no isEnterpriseInstall as the org-wide install, never a workspace's", async () => {
    const org = { ...install(), team: undefined, enterprise: { id: "E_ONLY", name: "Org" }, isEnterpriseInstall: true } as unknown as Installation;
    const inside = install({ enterprise: { id: "E_ONLY", name: "Org" } });
    const workspaceOnly = install({ enterprise: { id: "E_NO_ORG_INSTALL", name: "Grid" } });
    for (const i of [org, inside, workspaceOnly]) await store.storeInstallation(i);
    const got = await store.fetchInstallation({ enterpriseId: "E_ONLY" } as never);
    expect(got.isEnterpriseInstall).toBe(true);
    expect(got.bot!.token).toBe(org.bot!.token);
    // An enterprise with only a workspace install: nothing is guessed.
    await expect(store.fetchInstallation({ enterpriseId: "E_NO_ORG_INSTALL" } as never)).rejects.toBeInstanceOf(SlackInstallationNotFoundError);
    // Saying it is not an org-wide install, or naming nothing, is refused before any SQL.
    await expect(store.fetchInstallation({ enterpriseId: "E_ONLY", isEnterpriseInstall: false } as never)).rejects.toMatchObject({ field: "teamId" });
    await expect(store.deleteInstallation({} as never)).rejects.toMatchObject({ field: "teamId" });
    // A delete of that shape removes the org-wide install and leaves the workspaces.
    await store.deleteInstallation({ enterpriseId: "E_NO_ORG_INSTALL" } as never);
    await store.deleteInstallation({ enterpriseId: "E_ONLY" } as never);
    await expect(store.fetchInstallation({ enterpriseId: "E_ONLY", teamId: undefined, isEnterpriseInstall: true })).rejects.toBeInstanceOf(
      SlackInstallationNotFoundError,
    );
    for (const i of [inside, workspaceOnly]) {
      expect((await store.fetchInstallation({ teamId: i.team!.id, enterpriseId: i.enterprise!.id, isEnterpriseInstall: false })).bot!.token).toBe(
        i.bot!.token,
      );
    }
  });

  it("rejects an installation without a team or user id, writing nothing", async () => {
    const bad = { ...install(), team: undefined } as unknown as Installation;
    await expect(store.storeInstallation(bad)).rejects.toMatchObject({ field: "team.id" });
    await expect(store.storeInstallation({ ...install(), user: { id: "" } } as never)).rejects.toMatchObject({ field: "user.id" });
  });
});

afterAll(() => undefined);
