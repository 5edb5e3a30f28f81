import { spawnSync } from "node:child_process";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createKeyring, generateKey, keyringFromEnv, KeyringError, secretAad } from "../../src/crypto";
import { encryptFernet, splitFernetKey } from "../../src/crypto/fernet";
import { customIntegrationCredentials } from "../../src/schema";
import { createCustomIntegration, revealCustomCredential, rotateSecrets, secretColumns, storeCustomCredential } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import generate from "./fixtures/fernet-generate.json";
import python from "./fixtures/python-fernet.json";

const t = useTestDb();
const COLUMN = "custom_integration_credentials.encrypted_value";
const aad = (row: string) => secretAad("custom_integration_credentials", "encrypted_value", row);

/** Python's own `cryptography.Fernet`, when this machine has it (CI images may not). */
const pythonFernet = spawnSync("python3", ["-c", "import cryptography.fernet"]).status === 0;
function pythonDecrypt(key: string, tokens: string[]): string[] {
  const script =
    "import json,sys\nfrom cryptography.fernet import Fernet\nd=json.load(sys.stdin)\nf=Fernet(d['key'])\nprint(json.dumps([f.decrypt(x.encode()).decode() for x in d['tokens']]))";
  const run = spawnSync("python3", ["-c", script], { input: JSON.stringify({ key, tokens }), encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[];
}

describe("Fernet writes for columns shared with Python services", () => {
  it.each(generate)("encryptFernet reproduces the spec's generate vector byte for byte", (v) => {
    const token = encryptFernet(Buffer.from(v.src), splitFernetKey(Buffer.from(v.secret, "base64url")), {
      now: Date.parse(v.now) / 1000,
      iv: Buffer.from(v.iv),
    });
    expect(token).toBe(v.token);
  });

  it("writes Fernet only for the listed columns; the rest stays AES-GCM bound to its row", () => {
    const ring = createKeyring({ keys: [python.key], fernetColumns: [COLUMN] });
    const fernet = ring.encrypt("sk_live_abc", aad("row-1"));
    expect(fernet.startsWith("gAAAAA")).toBe(true);
    expect(ring.keyIdOf(fernet)).toBe("fernet");
    expect(ring.decrypt(fernet, aad("row-1"))).toBe("sk_live_abc");
    // The documented trade-off: no associated data, so the token is not bound to its row.
    expect(ring.decrypt(fernet, aad("row-2"))).toBe("sk_live_abc");
    const other = ring.encrypt("xoxb-1", secretAad("slack_bots", "bot_token", "k"));
    expect(other.startsWith(`sdb1:${ring.primaryKeyId}:`)).toBe(true);
    expect(() => ring.decrypt(other, secretAad("slack_bots", "bot_token", "other"))).toThrow();
    // Associated data that is not a secretAad is ordinary AES-GCM.
    expect(ring.encrypt("v", "[not json").startsWith("sdb1:")).toBe(true);
  });

  it("rotation keeps Fernet in a Fernet column: re-encrypts old-key or AES-GCM values as Fernet under the primary key, leaves current ones alone", () => {
    const oldKey = generateKey();
    const before = createKeyring({ keys: [oldKey] });
    const ring = createKeyring({ keys: [python.key, oldKey], fernetColumns: [COLUMN] });
    const current = ring.encrypt("v", aad("r"));
    expect(ring.rotate(current, aad("r"))).toBe(current);
    for (const legacy of [before.encrypt("v", aad("r")), encryptFernet(Buffer.from("v"), splitFernetKey(Buffer.from(oldKey, "base64url")))]) {
      const rotated = ring.rotate(legacy, aad("r"));
      expect(ring.keyIdOf(rotated)).toBe("fernet");
      expect(createKeyring({ keys: [python.key] }).decrypt(rotated)).toBe("v");
    }
  });

  it("refuses a malformed column name and reads ENCRYPTION_FERNET_COLUMNS and ENCRYPTION_FERNET_READ_COLUMNS", () => {
    expect(() => createKeyring({ keys: [python.key], fernetColumns: ["encrypted_value"] })).toThrow(KeyringError);
    expect(() => createKeyring({ keys: [python.key], fernetReadColumns: ["a.b", "no column"] })).toThrow(/fernetReadColumns #2/);
    const ring = keyringFromEnv({ ENCRYPTION_KEY: python.key, ENCRYPTION_FERNET_COLUMNS: ` ${COLUMN} ` });
    expect(ring.keyIdOf(ring.encrypt("v", aad("r")))).toBe("fernet");
    const token = python.tokens[0]!;
    const legacyAad = secretAad("slack_bots", "bot_token", "k");
    expect(() => ring.decrypt(token.token, legacyAad)).toThrow(/unexpected fernet/);
    const reading = keyringFromEnv({ ENCRYPTION_KEY: python.key, ENCRYPTION_FERNET_READ_COLUMNS: "slack_bots.bot_token, x.y" });
    expect(reading.fernetReadColumns).toEqual(["slack_bots.bot_token", "x.y"]);
    expect(reading.decrypt(token.token, legacyAad)).toBe(token.plaintext);
    // Read there, written (and rotated) as AES-GCM bound to the row: not a Fernet column.
    expect(reading.rotate(token.token, legacyAad).startsWith("sdb1:")).toBe(true);
  });

  it("a credential stored by Node is a Fernet token in the row; Python-made tokens in the row are revealed; rotateSecrets keeps them Fernet", async () => {
    const ring = createKeyring({ keys: [python.key], fernetColumns: [COLUMN] });
    const user = await makeUser(t.db);
    const integration = await createCustomIntegration(t.db, {
      userId: user.id,
      name: "shared_py",
      displayName: "Shared",
      authType: "api_key",
      baseUrl: "https://api.example.com",
    });
    const key = { userId: user.id, integrationId: integration.id, credentialType: "api_key" } as const;
    const info = await storeCustomCredential(t.db, { keyring: ring, ...key, value: "from-node" });
    const [row] = await t.db.select().from(customIntegrationCredentials).where(eq(customIntegrationCredentials.id, info.id));
    expect(row!.encryptedValue.startsWith("gAAAAA")).toBe(true);
    // What the Python service does when it writes the column: a plain Fernet token.
    await t.db
      .update(customIntegrationCredentials)
      .set({ encryptedValue: python.tokens[0]!.token })
      .where(eq(customIntegrationCredentials.id, info.id));
    expect(await revealCustomCredential(t.db, { keyring: ring, ...key })).toBe(python.tokens[0]!.plaintext);
    const rotated = await rotateSecrets(t.db, { keyring: ring, columns: secretColumns });
    expect(rotated[COLUMN] ?? 0).toBe(0);
    const [after] = await t.db.select().from(customIntegrationCredentials).where(eq(customIntegrationCredentials.id, info.id));
    expect(after!.encryptedValue).toBe(python.tokens[0]!.token);
  });

  it.skipIf(!pythonFernet)(
    `Python's cryptography.Fernet decrypts what the keyring wrote for a Fernet column${pythonFernet ? "" : " (skipped: python3 cryptography missing)"}`,
    () => {
      const ring = createKeyring({ keys: [python.key], fernetColumns: [COLUMN] });
      const values = python.tokens.map((x) => x.plaintext);
      expect(
        pythonDecrypt(
          python.key,
          values.map((v, i) => ring.encrypt(v, aad(`row-${i}`))),
        ),
      ).toEqual(values);
    },
  );
});
