import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { verifyDatabase } from "../../src/cli/verify";
import { createKeyring, DecryptionError, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { createSlackInstallationStore } from "../../src/slack";
import { countPlaintextSecrets, countSecretsByKey, rotateSecrets, secretColumns } from "../../src/stores";
import { useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
const store = () => createSlackInstallationStore({ db: t.db, keyring, clientId: "hooks" });
const hook = (team: string) => `https://hooks.slack.com/services/${team}/B0HOOK/${team.toLowerCase()}-secret-path`;
const install = (team: string) =>
  store().storeInstallation({
    team: { id: team, name: team },
    user: { id: `U${team}`, token: `xoxp-${team}`, scopes: ["incoming-webhook"] },
    bot: { id: "B0HOOK", userId: "U0BOT", token: `xoxb-${team}`, scopes: ["incoming-webhook"] },
    incomingWebhook: { url: hook(team), channel: "#general", channelId: "C0HOOK", configurationUrl: "https://x.slack.com/services/B0HOOK" },
    isEnterpriseInstall: false,
    authVersion: "v2",
  } as never);
const fetch = (team: string) => store().fetchInstallation({ teamId: team, isEnterpriseInstall: false, enterpriseId: undefined });
const stored = async (team: string) =>
  rowsOf<{ bot: string; history: string }>(
    await t.db.execute(sql`select b.incoming_webhook_url as bot, i.incoming_webhook_url as history
      from shared_db.slack_bots b join shared_db.slack_installations i using (client_id, team_id) where b.team_id = ${team}`),
  );
const plaintextCheck = async () => (await verifyDatabase(t.db)).find((c) => c.name === "secret columns hold no plaintext");

describe("Slack incoming webhook URLs are secrets (issue 17, migration 0020)", () => {
  it("are stored as keyring ciphertext in slack_bots and slack_installations, and fetched back as the URL", async () => {
    await install("T0ENC");
    const [row] = await stored("T0ENC");
    expect(row!.bot).toMatch(/^sdb1:/);
    expect(row!.history).toMatch(/^sdb1:/);
    expect(`${row!.bot}${row!.history}`).not.toContain("hooks.slack.com");
    expect((await fetch("T0ENC")).incomingWebhook).toEqual({
      url: hook("T0ENC"),
      channel: "#general",
      channelId: "C0HOOK",
      configurationUrl: "https://x.slack.com/services/B0HOOK",
    });
  });

  it("are bound to their installation: a URL copied onto another workspace's row does not decrypt", async () => {
    await install("T0AAA");
    await install("T0BBB");
    await t.db.execute(
      sql`update shared_db.slack_bots set incoming_webhook_url = (select incoming_webhook_url from shared_db.slack_bots where team_id = 'T0AAA') where team_id = 'T0BBB'`,
    );
    await expect(fetch("T0BBB")).rejects.toBeInstanceOf(DecryptionError);
    expect((await fetch("T0AAA")).incomingWebhook?.url).toBe(hook("T0AAA"));
    await store().deleteAll({ teamId: "T0BBB", isEnterpriseInstall: false, enterpriseId: undefined });
  });

  it("rows written before 0020 stay readable, verify reports them, rotate-keys encrypts them", async () => {
    await install("T0OLD");
    // What 0020 finds in an existing database: the URL as Slack gave it.
    await t.db.execute(sql`update shared_db.slack_bots set incoming_webhook_url = ${hook("T0OLD")} where team_id = 'T0OLD'`);
    await t.db.execute(sql`update shared_db.slack_installations set incoming_webhook_url = ${hook("T0OLD")} where team_id = 'T0OLD'`);
    expect((await fetch("T0OLD")).incomingWebhook?.url).toBe(hook("T0OLD"));
    expect(await countPlaintextSecrets(t.db, { columns: secretColumns })).toEqual({
      "slack_bots.incoming_webhook_url": 1,
      "slack_installations.incoming_webhook_url": 1,
    });
    const before = await plaintextCheck();
    expect(before?.ok).toBe(false);
    expect(before?.detail).toMatch(/1 plaintext values in slack_bots\.incoming_webhook_url.*rotate-keys/);
    expect(before?.detail).not.toContain("hooks.slack.com");
    expect((await countSecretsByKey(t.db, { columns: secretColumns })).plaintext).toBe(2);

    const done = await rotateSecrets(t.db, { keyring, columns: secretColumns });
    expect(done).toMatchObject({ "slack_bots.incoming_webhook_url": 1, "slack_installations.incoming_webhook_url": 1 });
    const [row] = await stored("T0OLD");
    expect(row!.bot).toMatch(/^sdb1:/);
    expect(row!.history).toMatch(/^sdb1:/);
    expect(await countPlaintextSecrets(t.db, { columns: secretColumns })).toEqual({});
    expect(await plaintextCheck()).toEqual({ name: "secret columns hold no plaintext", ok: true });
    expect(Object.keys(await countSecretsByKey(t.db, { columns: secretColumns }))).toEqual([keyring.primaryKeyId]);
    // Bound to the row it is in, so the fetch decrypts it like any other.
    expect((await fetch("T0OLD")).incomingWebhook?.url).toBe(hook("T0OLD"));
    // A second run finds nothing left to do.
    expect(Object.values(await rotateSecrets(t.db, { keyring, columns: secretColumns })).every((n) => n === 0)).toBe(true);
  });
});
