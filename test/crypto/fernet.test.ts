import { createCipheriv, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKeyring, DecryptionError, generateKey } from "../../src/crypto";
import generate from "./fixtures/fernet-generate.json";
import invalid from "./fixtures/fernet-invalid.json";
import verify from "./fixtures/fernet-verify.json";
import python from "./fixtures/python-fernet.json";

const seconds = (iso: string) => Date.parse(iso) / 1000;

describe("legacy Fernet reads", () => {
  it.each(verify)("decrypts the official verify vector", (v) => {
    const ring = createKeyring({ keys: [v.secret], fernet: { ttlSeconds: v.ttl_sec, now: seconds(v.now) } });
    expect(ring.decrypt(v.token)).toBe(v.src);
  });

  it.each(generate)("decrypts the official generate vector, and a token built from its spec matches it byte for byte", (v) => {
    expect(createKeyring({ keys: [v.secret] }).decrypt(v.token)).toBe(v.src);
    const key = Buffer.from(v.secret, "base64url");
    const cipher = createCipheriv("aes-128-cbc", key.subarray(16), Buffer.from(v.iv));
    const header = Buffer.alloc(9);
    header[0] = 0x80;
    header.writeBigUInt64BE(BigInt(seconds(v.now)), 1);
    const signed = Buffer.concat([header, Buffer.from(v.iv), cipher.update(v.src), cipher.final()]);
    const token = Buffer.concat([signed, createHmac("sha256", key.subarray(0, 16)).update(signed).digest()]);
    expect(token.toString("base64url")).toBe(v.token.replace(/=+$/, ""));
  });

  it.each(invalid)("rejects the official invalid vector: $desc", (v) => {
    const ring = createKeyring({ keys: [v.secret], fernet: { ttlSeconds: v.ttl_sec, now: seconds(v.now) } });
    expect(() => ring.decrypt(v.token)).toThrow(DecryptionError);
  });

  it("applies no TTL by default: the TTL-only invalid vectors decrypt when no TTL is asked for", () => {
    const ttlOnly = invalid.filter((v) => /TTL|clock skew/i.test(v.desc));
    expect(ttlOnly.length).toBe(2);
    // They carry a valid MAC over an empty message; only their age or clock skew is wrong.
    for (const v of ttlOnly) expect(createKeyring({ keys: [v.secret] }).decrypt(v.token)).toBe("");
    for (const v of invalid.filter((x) => !ttlOnly.includes(x))) {
      expect(() => createKeyring({ keys: [v.secret] }).decrypt(v.token)).toThrow(DecryptionError);
    }
  });

  it.each(python.tokens)("decrypts a token made by Python's cryptography.Fernet ($plaintext.length chars)", (t) => {
    // The Python service's ENCRYPTION_KEY sits second in the ring: every key decrypts legacy tokens.
    expect(createKeyring({ keys: [generateKey(), python.key] }).decrypt(t.token)).toBe(t.plaintext);
  });

  it("rejects non-canonical or non-urlsafe base64", () => {
    const t = python.tokens[0]!.token;
    const ring = createKeyring({ keys: [python.key] });
    expect(() => ring.decrypt(t.replace(/-/g, "+").replace(/_/g, "/"))).toThrow(DecryptionError);
    expect(() => ring.decrypt(`${t}=`)).toThrow(DecryptionError);
    expect(() => ring.decrypt(` ${t}`)).toThrow(DecryptionError);
  });
});
