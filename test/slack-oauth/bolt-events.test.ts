import { App, LogLevel } from "@slack/bolt";
import type { Installation } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { createSlackInstallationStore, registerSlackUninstallHandlers, type SlackInstallationStore } from "../../src/slack";
import { useTestDb } from "../support/db";
import { refreshAnswer, startLocalSlack, type LocalSlack } from "./local-slack";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let slack: LocalSlack;
let n = 0;

beforeAll(async () => {
  slack = await startLocalSlack((method, p) => (method === "oauth.v2.access" ? refreshAnswer(p) : { ok: true }));
});
afterAll(() => slack.close());

/** A Bolt App on the store (no listener server: events go in through App.processEvent). */
function boltApp(store: SlackInstallationStore, clientId: string) {
  const clientOptions = { slackApiUrl: slack.apiUrl };
  return new App({
    signingSecret: "s",
    clientId,
    clientSecret: "client-secret",
    stateSecret: "state-secret",
    installationStore: store,
    installerOptions: { clientOptions },
    clientOptions,
    logLevel: LogLevel.ERROR,
  });
}

/** Delivers an Events API payload to the app as its receiver would. */
async function deliver(app: App, event: Record<string, unknown>, where: { team: string | null; enterprise?: string; org?: boolean }) {
  await app.processEvent({
    body: {
      type: "event_callback",
      team_id: where.team ?? "T_ANY_WORKSPACE",
      enterprise_id: where.enterprise,
      api_app_id: "A1",
      event: { event_ts: "1700000000.000100", ...event },
      authorizations: [
        { team_id: where.team, enterprise_id: where.enterprise ?? null, user_id: "UB", is_bot: true, is_enterprise_install: !!where.org },
      ],
      event_id: `Ev${++n}`,
      event_time: Math.floor(Date.now() / 1000),
    },
    ack: async () => {},
  });
}

const install = (ids: { team?: string; enterprise?: string; org?: boolean }, user: string, extra: Partial<Installation> = {}): Installation =>
  ({
    team: ids.org ? undefined : { id: ids.team!, name: "W" },
    enterprise: ids.enterprise ? { id: ids.enterprise, name: "Grid" } : undefined,
    user: { id: user, token: `xoxp-${user}-${ids.team ?? ids.enterprise}`, scopes: ["search:read"] },
    bot: { id: "B1", userId: "UB", token: `xoxb-${ids.team ?? ids.enterprise}`, scopes: ["chat:write"] },
    isEnterpriseInstall: !!ids.org,
    authVersion: "v2",
    ...extra,
  }) as Installation;

/** Every stored row of the three installation tables, as comparable lines (table|client|enterprise|team|user|has token). */
async function snapshot(): Promise<string[]> {
  const rows = rowsOf<{ line: string }>(
    await t.db.execute(sql`
      select concat_ws('|', 'bot', client_id, coalesce(enterprise_id, '-'), coalesce(team_id, '-'), installer_user_id, (bot_token is not null)::text) as line from shared_db.slack_bots
      union all select concat_ws('|', 'user', client_id, coalesce(enterprise_id, '-'), coalesce(team_id, '-'), user_id, (user_token is not null)::text) from shared_db.slack_user_tokens
      union all select concat_ws('|', 'history', client_id, coalesce(enterprise_id, '-'), coalesce(team_id, '-'), user_id, (bot_token is not null)::text) from shared_db.slack_installations
      order by 1`),
  );
  return rows.map((r) => r.line);
}
/** The multiset difference a - b. */
function minus(a: string[], b: string[]): string[] {
  const rest = [...b];
  return a.filter((x) => {
    const i = rest.indexOf(x);
    if (i < 0) return true;
    rest.splice(i, 1);
    return false;
  });
}

describe("Bolt events through App.processEvent", () => {
  it("app_uninstalled and tokens_revoked remove what they name and nothing else", async () => {
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "C_EV" });
    const otherApp = createSlackInstallationStore({ db: t.db, keyring, clientId: "C_EV_OTHER" });
    await store.storeInstallation(install({ team: "T_A" }, "U1"));
    await store.storeInstallation(install({ team: "T_A" }, "U2", { bot: undefined }));
    await store.storeInstallation(install({ team: "T_B" }, "U1"));
    await store.storeInstallation(install({ team: "T_G", enterprise: "E_ORG" }, "U1"));
    await store.storeInstallation(install({ enterprise: "E_ORG", org: true }, "U3"));
    await otherApp.storeInstallation(install({ team: "T_A" }, "U1"));
    const app = boltApp(store, "C_EV");
    registerSlackUninstallHandlers(app, store);

    let before = await snapshot();
    await deliver(app, { type: "tokens_revoked", tokens: { oauth: ["U2"] } }, { team: "T_A" });
    let after = await snapshot();
    expect(minus(before, after)).toEqual(["history|C_EV|-|T_A|U2|false", "user|C_EV|-|T_A|U2|true"]);
    expect(minus(after, before)).toEqual([]);

    before = after;
    await deliver(app, { type: "tokens_revoked", tokens: { bot: ["UB"] } }, { team: "T_A" });
    after = await snapshot();
    // U2 installed last (user scopes only), so U2 is still the recorded installer.
    expect(minus(before, after)).toEqual(["bot|C_EV|-|T_A|U2|true", "history|C_EV|-|T_A|U1|true"]);
    expect(minus(after, before)).toEqual(["bot|C_EV|-|T_A|U2|false", "history|C_EV|-|T_A|U1|false"]);
    expect((await store.fetchInstallation({ teamId: "T_A", enterpriseId: undefined, isEnterpriseInstall: false, userId: "U1" })).user.token).toBe(
      "xoxp-U1-T_A",
    );

    before = after;
    await deliver(app, { type: "app_uninstalled" }, { team: "T_A" });
    after = await snapshot();
    expect(minus(before, after).sort()).toEqual(["bot|C_EV|-|T_A|U2|false", "history|C_EV|-|T_A|U1|false", "user|C_EV|-|T_A|U1|true"]);
    expect(minus(after, before)).toEqual([]);

    // An org-wide uninstall takes the org-wide install, not the workspace inside the same enterprise.
    before = after;
    await deliver(app, { type: "app_uninstalled" }, { team: null, enterprise: "E_ORG", org: true });
    after = await snapshot();
    expect(minus(before, after).sort()).toEqual(["bot|C_EV|E_ORG|-|U3|true", "history|C_EV|E_ORG|-|U3|true", "user|C_EV|E_ORG|-|U3|true"]);
    expect(minus(after, before)).toEqual([]);
    expect(after.filter((l) => l.includes("T_A"))).toEqual([
      "bot|C_EV_OTHER|-|T_A|U1|true",
      "history|C_EV_OTHER|-|T_A|U1|true",
      "user|C_EV_OTHER|-|T_A|U1|true",
    ]);
  });

  it("Bolt's write-back after refreshing for a user who never installed keeps the installer and adds no history", async () => {
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "C_WB" }); // no tokenRotation: Bolt refreshes
    const expiring = install({ team: "T_WB" }, "U_INSTALLER", {
      bot: {
        id: "B1",
        userId: "UB",
        token: "xoxe.xoxb-old",
        refreshToken: "xoxe-1-old",
        expiresAt: Math.floor(Date.now() / 1000) + 60,
        scopes: ["chat:write"],
      },
    });
    await store.storeInstallation(expiring);
    const app = boltApp(store, "C_WB");
    const seen: (string | undefined)[] = [];
    app.event("app_mention", async ({ context }) => {
      seen.push(context.botToken);
    });
    const before = await snapshot();
    const refreshes = slack.refreshes.length;
    await deliver(app, { type: "app_mention", user: "U_NEVER", text: "<@UB> hi", channel: "C1", ts: "1700000000.000100" }, { team: "T_WB" });
    expect(slack.refreshes.length).toBe(refreshes + 1); // Bolt did refresh, and wrote the installation back
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^xoxe\.xoxb-fresh-/);
    const after = await snapshot();
    expect(minus(after, before)).toEqual([]); // same installer, no new history row
    const latest = await store.fetchInstallation({ teamId: "T_WB", enterpriseId: undefined, isEnterpriseInstall: false });
    expect(latest.bot!.token).toBe(seen[0]);
    expect(latest.user).toEqual({ id: "U_INSTALLER", token: "xoxp-U_INSTALLER-T_WB", scopes: ["search:read"] });
  });
});
