import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { pgErrorOf } from "../../src/errors";
import { customIntegrations } from "../../src/schema";
import { createKeyring, generateKey } from "../../src/crypto";
import {
  createCustomIntegration,
  createIntegration,
  createTeam,
  revealCredential,
  revealCustomCredential,
  storeCustomCredential,
  storeIntegrationCredential,
} from "../../src/stores";
import { twoUsers, useTestDb } from "../support/db";

const t = useTestDb();
const rows = async () => t.db.select().from(customIntegrations).orderBy(customIntegrations.createdAt);

describe("custom integrations: ids chosen by the application role (issue 16, item 3)", () => {
  it("another user's integration id is refused, raw or through a forged id, and the row is unchanged", async () => {
    const [a, b] = await twoUsers(t.db);
    const mine = await createCustomIntegration(t.db, {
      userId: a.id,
      name: "a_api",
      displayName: "A",
      authType: "api_key",
      baseUrl: "https://a.example.com",
      actions: [],
    });
    const before = await rows();
    const e = await withRls(t.db, { userId: b.id }, (tx) =>
      tx.execute(sql`insert into shared_db.custom_integrations (id, user_id, name, display_name, auth_type, base_url)
        values (${mine.id}, ${b.id}, 'b_api', 'B', 'api_key', 'https://b.example.com')`),
    ).catch((x: unknown) => x);
    expect(pgErrorOf(e)?.code).toBe("23505");
    expect(await rows()).toEqual(before);
  });

  it("user work cannot move its own row to another id or user", async () => {
    const [a, b] = await twoUsers(t.db);
    const mine = await createCustomIntegration(t.db, {
      userId: a.id,
      name: "moving",
      displayName: "A",
      authType: "api_key",
      baseUrl: "https://a.example.com",
      actions: [],
    });
    const before = await rows();
    for (const q of [
      sql`update shared_db.custom_integrations set id = gen_random_uuid() where id = ${mine.id}`,
      sql`update shared_db.custom_integrations set user_id = ${b.id} where id = ${mine.id}`,
    ]) {
      const e = await withRls(t.db, { userId: a.id }, (tx) => tx.execute(q)).catch((x: unknown) => x);
      expect(pgErrorOf(e)?.code).toBe("42501");
    }
    expect(await rows()).toEqual(before);
  });
});

describe("credentials replaced under a fresh id (the guard lets an owner re-key, never collide)", () => {
  const keyring = createKeyring({ keys: [generateKey()] });

  it("a user replaces their custom credential under withRls", async () => {
    const [a] = await twoUsers(t.db);
    const integration = await createCustomIntegration(t.db, {
      userId: a.id,
      name: "rekey",
      displayName: "A",
      authType: "api_key",
      baseUrl: "https://a.example.com",
      actions: [],
    });
    const key = { userId: a.id, integrationId: integration.id, credentialType: "api_key" } as const;
    for (const value of ["first-key", "second-key"])
      await withRls(t.db, { userId: a.id }, (tx) => storeCustomCredential(tx, { keyring, ...key, value }));
    expect(await revealCustomCredential(t.db, { keyring, ...key })).toBe("second-key");
  });

  it("a team's OWNER replaces a team credential under withRls", async () => {
    const [owner] = await twoUsers(t.db);
    const team = await createTeam(t.db, { actorId: owner.id, name: "Rekey" });
    const integration = await withRls(t.db, { userId: owner.id }, (tx) =>
      createIntegration(tx, { actorId: owner.id, ownerTeamId: team.id, name: "Slack", serviceType: "SLACK", workspaceId: "T1" }),
    );
    for (const value of ["xoxb-first", "xoxb-second"]) {
      await withRls(t.db, { userId: owner.id }, (tx) =>
        storeIntegrationCredential(tx, { keyring, actorId: owner.id, integrationId: integration.id, credentialType: "BOT_TOKEN", value }),
      );
    }
    expect(await revealCredential(t.db, { keyring, actorId: owner.id, integrationId: integration.id, credentialType: "BOT_TOKEN" })).toMatchObject({
      value: "xoxb-second",
    });
  });
});
