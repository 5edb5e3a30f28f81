import { createKeyring, generateKey, secretAad } from "../../src/crypto";
import { slackTokenAad } from "../../src/crypto/aad";

export interface Sdb1Vectors {
  keys: string[];
  valid: { name: string; aad: string; plaintextHex: string; ciphertext: string }[];
  invalid: { name: string; aad: string; ciphertext: string; reason: string }[];
}

/** Values written by the Node keyring (random IVs), with the cases a reader must refuse. */
export function writeSdb1Vectors(): Sdb1Vectors {
  // One urlsafe key (generateKey, Python's Fernet.generate_key()) and one in the standard alphabet.
  const keys = [generateKey(), Buffer.from(generateKey(), "base64url").toString("base64")];
  const primary = createKeyring({ keys: [keys[0]!] });
  const second = createKeyring({ keys: [keys[1]!] });
  const row = "7d0c0b8e-0000-4000-8000-000000000001";
  const owner = { clientId: "1234.5678", enterpriseId: null, teamId: "T0001", userId: "U0001" };
  const text = (s: string) => Buffer.from(s, "utf8");
  const cases: [string, ReturnType<typeof createKeyring>, string, Buffer][] = [
    ["no associated data", primary, "", text("xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx")],
    ["a row's column", primary, secretAad("custom_integration_credentials", "encrypted_value", row), text("sk_live_abc")],
    ["a Slack user token", primary, slackTokenAad("slack_user_tokens", "user_token", owner), text("xoxp-1-2-3")],
    ["the second key, standard base64", second, secretAad("slack_workspaces", "access_token", row), text("xoxe.xoxb-1-refreshed")],
    ["empty plaintext", primary, secretAad("integration_credentials", "refresh_token", row), Buffer.alloc(0)],
    ["unicode", primary, secretAad("slack_workspaces", "refresh_token", "é✓🔐"), text("héllo wörld ✓ 🔐")],
    ["binary", primary, "", Buffer.from([0, 1, 2, 253, 254, 255])],
  ];
  const valid = cases.map(([name, ring, aad, plain]) => ({
    name,
    aad,
    plaintextHex: plain.toString("hex"),
    ciphertext: ring.encryptBytes(plain, aad || undefined),
  }));
  const good = valid[1]!;
  const [prefix, id, body] = good.ciphertext.split(":") as [string, string, string];
  const bytes = Buffer.from(body, "base64url");
  const flip = (at: number) => {
    const b = Buffer.from(bytes);
    b[at]! ^= 1;
    return `${prefix}:${id}:${b.toString("base64url")}`;
  };
  const other = createKeyring({ keys: [generateKey()] }).encrypt("x", good.aad);
  const invalid = [
    {
      name: "another row's associated data",
      aad: secretAad("custom_integration_credentials", "encrypted_value", `${row.slice(0, -1)}2`),
      ciphertext: good.ciphertext,
      reason: "authentication-failed",
    },
    { name: "no associated data where it was bound", aad: "", ciphertext: good.ciphertext, reason: "authentication-failed" },
    { name: "a flipped ciphertext bit", aad: good.aad, ciphertext: flip(12), reason: "authentication-failed" },
    { name: "a flipped tag bit", aad: good.aad, ciphertext: flip(bytes.length - 1), reason: "authentication-failed" },
    { name: "a flipped IV bit", aad: good.aad, ciphertext: flip(0), reason: "authentication-failed" },
    { name: "truncated", aad: good.aad, ciphertext: `${prefix}:${id}:${bytes.subarray(0, 27).toString("base64url")}`, reason: "malformed" },
    { name: "a key this ring does not hold", aad: good.aad, ciphertext: other, reason: "unknown-key" },
    { name: "another key's id on this body", aad: good.aad, ciphertext: `${prefix}:${other.split(":")[1]}:${body}`, reason: "unknown-key" },
    { name: "padding in the wrong place", aad: good.aad, ciphertext: `${good.ciphertext}=`, reason: "malformed" },
    {
      name: "the standard alphabet",
      aad: good.aad,
      ciphertext: `${prefix}:${id}:${bytes.toString("base64")}`,
      reason: bytes.toString("base64") === body ? "none" : "malformed",
    },
    { name: "an extra field", aad: good.aad, ciphertext: `${good.ciphertext}:x`, reason: "malformed" },
    { name: "no key id", aad: good.aad, ciphertext: `${prefix}::${body}`, reason: "malformed" },
  ].filter((v) => v.reason !== "none");
  return { keys, valid, invalid };
}
