import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { SCHEMA_NAME } from "../../src/schema/namespace";
import { createSlackInstallationStore } from "../../src/slack";
import * as stores from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
/** A value no fixture or default could contain by chance. */
const secret = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;

/** Every text-like and JSON column of every shared_db table, from the catalog (arrays included). */
async function textColumns(): Promise<{ table: string; column: string }[]> {
  return rowsOf<{ table: string; column: string }>(
    await t.db.execute(sql`
      select c.relname as table, a.attname as column
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_type ty on ty.oid = a.atttypid
      where c.relnamespace = to_regnamespace(${SCHEMA_NAME}) and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
        and (ty.typcategory = 'S' or ty.typname in ('json', 'jsonb')
             or (ty.typcategory = 'A' and (select e.typcategory = 'S' or e.typname in ('json', 'jsonb') from pg_type e where e.oid = ty.typelem)))
      order by 1, 2`),
  );
}

/** Where each value appears in plaintext: `table.column` names. */
async function scan(values: Record<string, string>): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = Object.fromEntries(Object.keys(values).map((k) => [k, []]));
  for (const { table, column } of await textColumns()) {
    const cells = rowsOf<{ v: string }>(
      await t.db.execute(
        sql`select ${sql.identifier(column)}::text as v from ${sql.identifier(SCHEMA_NAME)}.${sql.identifier(table)} where ${sql.identifier(column)} is not null`,
      ),
    ).map((r) => r.v);
    for (const [kind, value] of Object.entries(values)) if (cells.some((c) => c.includes(value))) found[kind]!.push(`${table}.${column}`);
  }
  return found;
}

describe("secrets at rest (issue 17): no secret the package stores is readable in any column", () => {
  it("stores every kind of secret, then finds none in plaintext in any text or JSON column of any table", async () => {
    const s = {
      botToken: `xoxe.xoxb-${secret("bot")}`,
      botRefreshToken: `xoxe-1-${secret("botrefresh")}`,
      userToken: `xoxe.xoxp-${secret("user")}`,
      userRefreshToken: `xoxe-1-${secret("userrefresh")}`,
      webhookUrl: `https://hooks.slack.com/services/T0SCAN/B0SCAN/${secret("hook")}`,
      integrationCredential: secret("integration"),
      integrationRefreshToken: secret("integrationrefresh"),
      customCredential: secret("custom"),
    };
    const passwordHash = `$argon2id$v=19$m=65536,t=3,p=4$${secret("hash")}`;

    const owner = await makeUser(t.db, "scan", { passwordHash });
    const team = await stores.createTeam(t.db, { actorId: owner.id, name: "Scan team" });
    await stores.upsertSlackWorkspace(t.db, { teamId: team.id, slackId: "T0SCAN", name: "Scan" });
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "scan-client" });
    // Twice: the second install (a user adding scopes) writes a history row and updates the bot row.
    for (const userId of ["U0SCAN", "U0SCAN2"]) {
      await store.storeInstallation({
        team: { id: "T0SCAN", name: "Scan" },
        user: { id: userId, token: s.userToken, refreshToken: s.userRefreshToken, expiresAt: 2_000_000_000, scopes: ["chat:write"] },
        bot: { id: "B0SCAN", userId: "U0BOT", token: s.botToken, refreshToken: s.botRefreshToken, expiresAt: 2_000_000_000, scopes: ["chat:write"] },
        incomingWebhook: { url: s.webhookUrl, channel: "#general", channelId: "C0SCAN", configurationUrl: "https://scan.slack.com/services/B0SCAN" },
        isEnterpriseInstall: false,
        authVersion: "v2",
        tokenType: "bot",
        appId: "A0SCAN",
      } as never);
    }
    const integration = await stores.createIntegration(t.db, { actorId: owner.id, ownerTeamId: team.id, name: "Scan GitHub", serviceType: "GITHUB" });
    await stores.storeIntegrationCredential(t.db, {
      keyring,
      actorId: owner.id,
      integrationId: integration.id,
      credentialType: "OAUTH_TOKEN",
      value: s.integrationCredential,
      refreshToken: s.integrationRefreshToken,
    });
    const custom = await stores.createCustomIntegration(t.db, {
      userId: owner.id,
      name: "scan_api",
      displayName: "Scan",
      authType: "api_key",
      baseUrl: "https://api.example.com",
    });
    await stores.storeCustomCredential(t.db, {
      keyring,
      userId: owner.id,
      integrationId: custom.id,
      credentialType: "api_key",
      value: s.customCredential,
    });

    // The values are stored and come back decrypted, so the scan below looks at real ciphertext.
    const fetched = await store.fetchInstallation({ teamId: "T0SCAN", userId: "U0SCAN", isEnterpriseInstall: false, enterpriseId: undefined });
    expect(fetched).toMatchObject({
      bot: { token: s.botToken, refreshToken: s.botRefreshToken },
      user: { token: s.userToken },
      incomingWebhook: { url: s.webhookUrl },
    });
    expect(
      await stores.revealCredential(t.db, { keyring, actorId: owner.id, integrationId: integration.id, credentialType: "OAUTH_TOKEN" }),
    ).toMatchObject({ value: s.integrationCredential, refreshToken: s.integrationRefreshToken });
    expect(await stores.revealCustomCredential(t.db, { keyring, userId: owner.id, integrationId: custom.id, credentialType: "api_key" })).toBe(
      s.customCredential,
    );
    const history = rowsOf<{ n: number }>(
      await t.db.execute(sql`select count(*)::int as n from shared_db.slack_installations where incoming_webhook_url is not null`),
    );
    expect(history[0]!.n).toBe(2);

    const columns = await textColumns();
    expect(columns.length).toBeGreaterThan(50);
    expect(columns).toEqual(
      expect.arrayContaining([
        { table: "slack_bots", column: "incoming_webhook_url" },
        { table: "audit_logs", column: "details" },
      ]),
    );
    const found = await scan({ ...s, passwordHash });
    // The scan sees plaintext where it is: the hash, in its one service-only column.
    expect(found.passwordHash).toEqual(["user_credentials.password_hash"]);
    const { passwordHash: _hash, ...secrets } = found;
    expect(secrets).toEqual(Object.fromEntries(Object.keys(s).map((k) => [k, []])));
  });
});
