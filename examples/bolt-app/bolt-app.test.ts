import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { App } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "shared-db/crypto";
import { createSlackInstallationStore } from "shared-db/slack";
import { startFakeSlack, type FakeSlack } from "../../test/support/fake-slack";
import { useTestDb } from "../../test/support/db";
import { createBoltApp } from "./app";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
const signingSecret = "signing-secret";
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(() => slack.close());

/** Starts the app on a free port on 127.0.0.1 and returns its base URL. */
async function start(app: App): Promise<{ base: string; stop: () => Promise<void> }> {
  const server = (await app.start({ port: 0, host: "127.0.0.1" } as never)) as unknown as { address(): AddressInfo };
  return { base: `http://127.0.0.1:${server.address().port}`, stop: () => app.stop() as Promise<void> };
}

/** Walks the OAuth flow: install page -> Slack's authorize URL (state) -> callback with a code. */
async function install(base: string) {
  const page = await fetch(`${base}/slack/install`, { redirect: "manual" });
  expect(page.status).toBe(302);
  const authorize = new URL(page.headers.get("location")!);
  const state = authorize.searchParams.get("state")!;
  const cookie = page.headers.get("set-cookie")!.split(";")[0]!;
  const callback = await fetch(`${base}/slack/oauth_redirect?code=the-code&state=${encodeURIComponent(state)}`, { headers: { cookie } });
  return { state, callback };
}

/** Sends a signed Events API request, as Slack does. */
async function sendEvent(base: string, teamId: string) {
  const body = JSON.stringify({
    type: "event_callback",
    team_id: teamId,
    api_app_id: "A0APP",
    event: { type: "app_mention", user: "U0INSTALLER", text: "<@U0BOT> hi", channel: "C1", ts: "1700000000.000100" },
    authorizations: [{ team_id: teamId, user_id: "U0BOT", is_bot: true, is_enterprise_install: false }],
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
  });
  const ts = Math.floor(Date.now() / 1000).toString();
  const signature = `v0=${createHmac("sha256", signingSecret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return fetch(`${base}/slack/events`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-slack-request-timestamp": ts, "x-slack-signature": signature },
    body,
  });
}

describe("a real Bolt app on shared-db", () => {
  for (const rotation of [false, true]) {
    it(`installs through OAuth and authorizes events with the stored bot token${rotation ? " (token rotation)" : ""}`, async () => {
      if (rotation) {
        const normal = slack.handlers.get("oauth.v2.access")!;
        slack.handlers.set("oauth.v2.access", (p) => {
          const answer = normal(p) as Record<string, unknown>;
          // The installation's token expires in a minute: the first event must refresh it.
          return p.grant_type === "refresh_token"
            ? answer
            : { ...answer, access_token: "xoxe.xoxb-installed", refresh_token: "xoxe-1-first", expires_in: 60 };
        });
      }
      const mentions: (string | undefined)[] = [];
      const clientId = rotation ? "CLIENT_ROT" : "CLIENT";
      const app = createBoltApp({
        db: t.db,
        keyring,
        clientId,
        clientSecret: "client-secret",
        signingSecret,
        slackApiUrl: slack.apiUrl,
        tokenRotation: rotation,
        onMention: (token) => mentions.push(token),
      });
      const { base, stop } = await start(app);
      try {
        const { callback } = await install(base);
        expect(callback.status).toBe(200);
        const exchange = slack.calls.filter((c) => c.method === "oauth.v2.access" && c.params.code === "the-code").at(-1)!;
        expect(exchange.params).toMatchObject({ client_id: clientId, client_secret: "client-secret" });

        const store = createSlackInstallationStore({ db: t.db, keyring, clientId });
        const stored = await store.fetchInstallation({
          teamId: "T0TEAM",
          enterpriseId: undefined,
          isEnterpriseInstall: false,
          userId: "U0INSTALLER",
        });
        expect(stored.team).toEqual({ id: "T0TEAM", name: "Team Zero" });
        expect(stored.user.token).toBe("xoxp-user-token");

        const response = await sendEvent(base, "T0TEAM");
        expect(response.status).toBe(200);
        await expect.poll(() => mentions.length).toBe(1);
        if (rotation) {
          expect(mentions[0]).toMatch(/^xoxe\.xoxb-refreshed-/);
          expect((await store.fetchInstallation({ teamId: "T0TEAM", enterpriseId: undefined, isEnterpriseInstall: false })).bot!.token).toBe(
            mentions[0],
          );
        } else {
          expect(mentions[0]).toBe("xoxb-bot-token");
        }
      } finally {
        await stop();
      }
    });
  }
});
