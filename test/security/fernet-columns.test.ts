// Issue 27, item 5: a Fernet token carries no associated data, so before the fix it decrypted in
// any column. The attacker has a Fernet token leaked from the one column configured for Fernet
// (custom_integration_credentials.encrypted_value, shared with a Python service) and is ADMIN of a
// team: inside withRls they write it into their team's integration_credentials row with raw SQL,
// then ask revealCredential for the plaintext.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createKeyring, DecryptionError, generateKey, secretAad } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { createCustomIntegration, revealCredential, storeCustomCredential, type PublicUser } from "../../src/stores";
import { exposed } from "../support/errors";
import { makeUser, useTestDb } from "../support/db";
import { addMember, as, makeTeamWorld, type TeamWorld } from "./team-fixtures";

const t = useTestDb();
const FERNET_COLUMN = "custom_integration_credentials.encrypted_value";
/** The service's keyring: Fernet for the one column Python reads, AES-GCM bound to the row everywhere else. */
const key = generateKey();
const keyring = createKeyring({ keys: [key], fernetColumns: [FERNET_COLUMN] });
const SECRET = "sk_live_victim_secret";

let victim: PublicUser;
let leaked = "";
let world: TeamWorld;
let attacker: PublicUser;

beforeAll(async () => {
  victim = await makeUser(t.db, "victim");
  const integration = await createCustomIntegration(t.db, {
    userId: victim.id,
    name: "py_shared",
    displayName: "Shared with Python",
    authType: "api_key",
    baseUrl: "https://api.example.com",
  });
  await storeCustomCredential(t.db, { keyring, userId: victim.id, integrationId: integration.id, credentialType: "api_key", value: SECRET });
  // The token as stored (what a backup, a log or the Python side leaks).
  [{ encrypted_value: leaked }] = rowsOf<{ encrypted_value: string }>(
    await t.db.execute(sql`select encrypted_value from shared_db.custom_integration_credentials where integration_id = ${integration.id}`),
  ) as [{ encrypted_value: string }];
  expect(leaked.startsWith("gAAAAA")).toBe(true);
  world = await makeTeamWorld(t.db, "tenant");
  attacker = await addMember(t.db, world.teamId, "ADMIN", "attacker");
});

const credentialRow = async () =>
  rowsOf<{ encrypted_value: string; refresh_token: string | null }>(
    await t.db.execute(sql`select encrypted_value, refresh_token from shared_db.integration_credentials where id = ${world.credentialId}`),
  )[0]!;

describe("a Fernet token outside the columns configured for Fernet (item 5)", () => {
  it("written into integration_credentials.encrypted_value by the team's ADMIN, revealCredential throws DecryptionError, not the plaintext", async () => {
    await as(t.db, attacker.id, (tx) =>
      tx.execute(sql`update shared_db.integration_credentials set encrypted_value = ${leaked} where id = ${world.credentialId}`),
    );
    expect((await credentialRow()).encrypted_value).toBe(leaked); // the write itself is the ADMIN's right
    const e = await as(t.db, attacker.id, (tx) =>
      revealCredential(tx, { keyring, actorId: attacker.id, integrationId: world.integrationId, credentialType: "BOT_TOKEN" }),
    ).then(
      (v) => v,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DecryptionError);
    expect(e).toMatchObject({ code: "decryption", reason: "unexpected-fernet" });
    expect(exposed(e)).not.toContain(SECRET);
  });

  it("the same through refresh_token: DecryptionError", async () => {
    const e = await as(t.db, attacker.id, async (tx) => {
      await tx.execute(sql`update shared_db.integration_credentials set refresh_token = ${leaked} where id = ${world.credentialId}`);
      return revealCredential(tx, { keyring, actorId: attacker.id, integrationId: world.integrationId, credentialType: "BOT_TOKEN" });
    }).then(
      (v) => v,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DecryptionError);
    expect(exposed(e)).not.toContain(SECRET);
  });

  it("only a column listed in fernetColumns or fernetReadColumns (legacy values Python wrote there) reads a Fernet token", () => {
    const aad = secretAad("integration_credentials", "encrypted_value", world.credentialId);
    expect(() => keyring.decrypt(leaked, aad)).toThrow(DecryptionError);
    expect(keyring.decrypt(leaked, secretAad("custom_integration_credentials", "encrypted_value", "any-row"))).toBe(SECRET);
    const reading = createKeyring({ keys: [key], fernetReadColumns: ["integration_credentials.encrypted_value"] });
    expect(reading.decrypt(leaked, aad)).toBe(SECRET);
    expect(() => reading.decrypt(leaked, secretAad("integration_credentials", "refresh_token", world.credentialId))).toThrow(DecryptionError);
  });
});
