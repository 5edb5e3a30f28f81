import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createKeyring, DecryptionError, generateKey, KeyringError, keyringFromEnv, secretAad } from "../../src/crypto";
import python from "./fixtures/python-fernet.json";

const k1 = generateKey();
const k2 = generateKey();
const ring = createKeyring({ keys: [k1] });
const aad = secretAad("slack_installations", "bot_token", "7d0c0b8e-0000-4000-8000-000000000001");

const rejects = (fn: () => unknown) => {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DecryptionError);
  return error as DecryptionError;
};

/** The binary body of a new-format value, and a way to put one back. */
const split = (c: string) => {
  const [prefix, id, body] = c.split(":");
  return { head: `${prefix}:${id}:`, body: Buffer.from(body!, "base64url") };
};

describe("keyring", () => {
  it.each([
    ["empty", ""],
    ["unicode", "héllo wörld ✓ 🔐 ñ"],
    ["5 KB", "x".repeat(5 * 1024)],
    ["token", "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx"],
  ])("round-trips a %s string, with and without AAD", (_, value) => {
    expect(ring.decrypt(ring.encrypt(value, aad), aad)).toBe(value);
    expect(ring.decrypt(ring.encrypt(value))).toBe(value);
  });

  it("round-trips binary values", () => {
    const bytes = new Uint8Array(randomBytes(300));
    const back = ring.decryptBytes(ring.encryptBytes(bytes, aad), aad);
    expect(back).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
  });

  it("writes a versioned, self-describing format with a fresh IV each time", () => {
    const a = ring.encrypt("same");
    const b = ring.encrypt("same");
    expect(a).toMatch(new RegExp(`^sdb1:${ring.primaryKeyId}:[A-Za-z0-9_-]+$`));
    expect(a).not.toBe(b);
    expect(split(a).body.length).toBe(12 + 4 + 16);
    expect(ring.keyIdOf(a)).toBe(ring.primaryKeyId);
  });

  it("rejects a flip of any byte of the payload, and of any character of the text", () => {
    const c = ring.encrypt("secret-value", aad);
    const { head, body } = split(c);
    for (let i = 0; i < body.length; i++) {
      const bad = Buffer.from(body);
      bad[i]! ^= 0x01;
      rejects(() => ring.decrypt(head + bad.toString("base64url"), aad));
    }
    for (let i = 0; i < c.length; i++) {
      const swapped = c[i] === "A" ? "B" : "A";
      rejects(() => ring.decrypt(c.slice(0, i) + swapped + c.slice(i + 1), aad));
    }
  });

  it("rejects every truncation", () => {
    const c = ring.encrypt("secret-value", aad);
    for (let n = 0; n < c.length; n++) rejects(() => ring.decrypt(c.slice(0, n), aad));
    const { head, body } = split(c);
    for (let n = 0; n < body.length; n++) rejects(() => ring.decrypt(head + body.subarray(0, n).toString("base64url"), aad));
  });

  it("rejects a shorter tag even when the ciphertext would authenticate with it", () => {
    const c = ring.encrypt("v", aad);
    const { head, body } = split(c);
    rejects(() => ring.decrypt(head + body.subarray(0, body.length - 4).toString("base64url"), aad));
  });

  it("binds values to their AAD: another column or row, or none, is rejected", () => {
    const c = ring.encrypt("xoxb-secret", aad);
    expect(rejects(() => ring.decrypt(c, secretAad("slack_installations", "user_token", "7d0c0b8e-0000-4000-8000-000000000001"))).reason).toBe(
      "authentication-failed",
    );
    rejects(() => ring.decrypt(c, secretAad("slack_installations", "bot_token", "7d0c0b8e-0000-4000-8000-000000000002")));
    rejects(() => ring.decrypt(c));
    rejects(() => ring.decrypt(ring.encrypt("x"), aad));
  });

  it("rejects a wrong key and an unknown key id", () => {
    const other = createKeyring({ keys: [k2] });
    expect(rejects(() => other.decrypt(ring.encrypt("x"))).reason).toBe("unknown-key");
    const forged = ring.encrypt("x").replace(ring.primaryKeyId, other.primaryKeyId);
    expect(rejects(() => other.decrypt(forged)).reason).toBe("authentication-failed");
  });

  it("rejects garbage with the same typed error", () => {
    for (const bad of ["", "sdb1:", "sdb1::", "sdb1:abc:!!!", "sdb1:a:b:c", "not a token", "gAAAAA", 42 as unknown as string]) {
      rejects(() => ring.decrypt(bad));
    }
  });

  it("never puts key material or plaintext in an error message", () => {
    const c = ring.encrypt("xoxb-very-secret", aad);
    const e = rejects(() => ring.decrypt(c, "wrong"));
    expect(e.message).not.toContain("xoxb");
    expect(e.message).not.toContain(k1);
    const bad = "A".repeat(40);
    const error = (() => {
      try {
        createKeyring({ keys: [k1, bad] });
      } catch (x) {
        return x as Error;
      }
    })();
    expect(error).toBeInstanceOf(KeyringError);
    expect(error!.message).toContain("#2");
    expect(error!.message).not.toContain(bad);
  });

  it("does not expose keys through JSON or inspect", () => {
    expect(JSON.stringify(ring)).not.toContain(k1);
    expect(inspect(ring, { showHidden: true, depth: 5 })).not.toContain(k1);
    expect(inspect(ring, { showHidden: true, depth: 5 })).not.toMatch(/Buffer|Uint8Array/);
  });

  it.each([
    [[], /No encryption keys/],
    [["short"], /#1 is invalid/],
    [[k1, "not base64 !!"], /#2 is invalid/],
    [[k1, randomBytes(16).toString("base64url")], /#2 is invalid/],
    [[k1, k1], /#2 repeats/],
  ])("fails at creation for %j", (keys, message) => {
    expect(() => createKeyring({ keys })).toThrow(message);
  });

  it("reads ENCRYPTION_KEYS, else the old ENCRYPTION_KEY", () => {
    const two = keyringFromEnv({ ENCRYPTION_KEYS: ` ${k2} , ${k1} ` });
    expect(two.keyIds).toEqual([createKeyring({ keys: [k2] }).primaryKeyId, ring.primaryKeyId]);
    expect(keyringFromEnv({ ENCRYPTION_KEY: k1 }).primaryKeyId).toBe(ring.primaryKeyId);
    expect(() => keyringFromEnv({})).toThrow(KeyringError);
  });
});

describe("rotation", () => {
  it("moves values to the primary key; the old key can then be dropped", () => {
    const old = createKeyring({ keys: [k1] });
    const both = createKeyring({ keys: [k2, k1] });
    const legacy = old.encrypt("token", aad);
    expect(both.decrypt(legacy, aad)).toBe("token");
    expect(both.needsRotation(legacy)).toBe(true);
    const rotated = both.rotate(legacy, aad);
    expect(both.keyIdOf(rotated)).toBe(both.primaryKeyId);
    expect(both.needsRotation(rotated)).toBe(false);
    expect(both.rotate(rotated, aad)).toBe(rotated);
    const onlyNew = createKeyring({ keys: [k2] });
    expect(onlyNew.decrypt(rotated, aad)).toBe("token");
    expect(rejects(() => onlyNew.decrypt(legacy, aad)).reason).toBe("unknown-key");
  });

  it("rotates a legacy Fernet value of a listed column into the new format, adding its AAD; elsewhere it is refused", () => {
    const token = python.tokens[0]!;
    expect(rejects(() => createKeyring({ keys: [k2, python.key] }).rotate(token.token, aad)).reason).toBe("unexpected-fernet");
    const ringWithPythonKey = createKeyring({ keys: [k2, python.key], fernetReadColumns: ["slack_installations.bot_token"] });
    expect(ringWithPythonKey.keyIdOf(token.token)).toBe("fernet");
    expect(ringWithPythonKey.needsRotation(token.token)).toBe(true);
    const rotated = ringWithPythonKey.rotate(token.token, aad);
    expect(ringWithPythonKey.decrypt(rotated, aad)).toBe(token.plaintext);
    rejects(() => ringWithPythonKey.decrypt(rotated));
  });
});

describe("mac", () => {
  it("verifies under every key of the ring, only for its message and purpose; refuses malformed tags", () => {
    const tag = ring.mac("message", "purpose a");
    expect(tag).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ring.mac("message", "purpose a")).toBe(tag);
    expect(ring.verifyMac("message", tag, "purpose a")).toBe(true);
    expect(createKeyring({ keys: [k2, k1] }).verifyMac("message", tag, "purpose a")).toBe(true);
    expect(ring.verifyMac("message!", tag, "purpose a")).toBe(false);
    expect(ring.verifyMac("message", tag, "purpose b")).toBe(false);
    expect(createKeyring({ keys: [k2] }).verifyMac("message", tag, "purpose a")).toBe(false);
    for (const bad of ["", tag.slice(1), `${tag}A`, `${tag.slice(0, 42)}+`, "=".repeat(43)])
      expect(ring.verifyMac("message", bad, "purpose a")).toBe(false);
    expect(ring.verifyMac("message", 42 as never, "purpose a")).toBe(false);
  });
});
