import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SharedDbError } from "../../src";
import { createKeyring, DecryptionError, KeyringError } from "../../src/crypto";

describe("encryption keys", () => {
  it("accepts standard and urlsafe base64 of the same 32 bytes as the same key", () => {
    // Many draws, so keys with '+', '/' and '=' (about 73% of `openssl rand -base64 32` output) are covered.
    for (let i = 0; i < 50; i++) {
      const raw = randomBytes(32);
      const standard = createKeyring({ keys: [raw.toString("base64")] });
      const urlsafe = createKeyring({ keys: [raw.toString("base64url")] });
      expect(standard.primaryKeyId).toBe(urlsafe.primaryKeyId);
      expect(urlsafe.decrypt(standard.encrypt("secret", "aad"), "aad")).toBe("secret");
    }
  });

  it.each([
    ["mixed alphabets", () => randomBytes(32).toString("base64").replace(/=$/, "").slice(0, 42) + "-_"],
    ["16 bytes", () => randomBytes(16).toString("base64")],
    ["not base64", () => "not base64 !!"],
  ])("refuses %s, saying which formats are accepted, without the key", (_, make) => {
    const key = make();
    const e = (() => {
      try {
        createKeyring({ keys: [key] });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(KeyringError);
    expect(e).toBeInstanceOf(SharedDbError);
    expect((e as KeyringError).code).toBe("keyring");
    expect((e as Error).message).toMatch(/#1 is invalid: expected 32 bytes in base64, standard or urlsafe alphabet/);
    expect((e as Error).message).not.toContain(key);
  });

  it("DecryptionError is a SharedDbError with code decryption", () => {
    const ring = createKeyring({ keys: [randomBytes(32).toString("base64")] });
    const e = (() => {
      try {
        ring.decrypt("sdb1:nope:AAAA");
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(DecryptionError);
    expect(e).toBeInstanceOf(SharedDbError);
    expect((e as DecryptionError).code).toBe("decryption");
  });
});
