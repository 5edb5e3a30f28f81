import { InstallProvider, type Installation } from "@slack/oauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { createSlackInstallationStore } from "../../src/slack";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack";
import { onServer, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let slack: FakeSlack;
let team = 0;

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(() => slack.close());

const expiringInstall = (teamId: string): Installation => ({
  team: { id: teamId, name: "Rotating" },
  enterprise: undefined,
  user: { id: "U1", token: undefined, scopes: undefined },
  bot: {
    id: "B1",
    userId: "UB",
    token: "xoxe.xoxb-old",
    refreshToken: "xoxe-1-old",
    expiresAt: Math.floor(Date.now() / 1000) + 60,
    scopes: ["chat:write"],
  },
  appId: "A1",
  isEnterpriseInstall: false,
  authVersion: "v2",
});

describe("token rotation", () => {
  it("20 concurrent authorizations of an expiring installation refresh once; all get the new token", async () => {
    const teamId = `T_ROT_${++team}`;
    // On the server each "process" has its own pool, as separate Bolt instances would.
    const handles: DbHandle[] = onServer ? await Promise.all(Array.from({ length: 4 }, () => createDb({ url: t.url, max: 5 }))) : [];
    const dbs = onServer ? handles.map((h) => h.db) : [t.db];
    try {
      const stores = dbs.map((db) =>
        createSlackInstallationStore({ db, keyring, clientId: "C1", tokenRotation: { clientSecret: "s3cret", slackApiUrl: slack.apiUrl } }),
      );
      await stores[0]!.storeInstallation(expiringInstall(teamId));
      const providers = stores.map(
        (installationStore) =>
          new InstallProvider({
            clientId: "C1",
            clientSecret: "s3cret",
            stateSecret: "x",
            installationStore,
            clientOptions: { slackApiUrl: slack.apiUrl },
          }),
      );
      const before = slack.calls.filter((c) => c.params.grant_type === "refresh_token").length;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          providers[i % providers.length]!.authorize({ teamId, enterpriseId: undefined, isEnterpriseInstall: false }),
        ),
      );
      const refreshes = slack.calls.filter((c) => c.params.grant_type === "refresh_token").slice(before);
      expect(refreshes).toHaveLength(1);
      expect(refreshes[0]!.params).toMatchObject({ client_id: "C1", client_secret: "s3cret", refresh_token: "xoxe-1-old" });
      const tokens = new Set(results.map((r) => r.botToken));
      expect(tokens.size).toBe(1);
      expect([...tokens][0]).toMatch(/^xoxe\.xoxb-refreshed-/);
      // Stored, encrypted, with a far expiry: the next authorization does not refresh again.
      const again = await stores[0]!.fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false });
      expect(again.bot!.token).toBe([...tokens][0]);
      expect(again.bot!.expiresAt! - Date.now() / 1000).toBeGreaterThan(40_000);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it("a failed refresh surfaces Slack's error and keeps the stored tokens", async () => {
    const teamId = `T_ROT_${++team}`;
    const store = createSlackInstallationStore({
      db: t.db,
      keyring,
      clientId: "C1",
      tokenRotation: { clientSecret: "s", slackApiUrl: slack.apiUrl },
    });
    await store.storeInstallation(expiringInstall(teamId));
    const normal = slack.handlers.get("oauth.v2.access")!;
    slack.handlers.set("oauth.v2.access", () => ({ ok: false, error: "invalid_refresh_token" }));
    try {
      await expect(store.fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow(/invalid_refresh_token/);
    } finally {
      slack.handlers.set("oauth.v2.access", normal);
    }
    const plain = createSlackInstallationStore({ db: t.db, keyring, clientId: "C1" });
    expect((await plain.fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false })).bot!.refreshToken).toBe("xoxe-1-old");
  });
});
