import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createKeyring, generateKey, secretAad } from "../src/crypto";
import { defineSuite } from "./harness";

const token = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab"; // 60 bytes
const key = randomBytes(32);
const keyring = createKeyring({ keys: [generateKey()] });
const aad = secretAad("slack_bots", "bot_token", "7d0c0b8e-0000-4000-8000-000000000001");

export default defineSuite({
  name: "field encryption: encrypt + decrypt of a 60-byte token",
  batch: 2000,
  baseline: {
    name: "bare createCipheriv/createDecipheriv AES-256-GCM round trip",
    fn: () => {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([c.update(token), c.final()]);
      const tag = c.getAuthTag();
      const d = createDecipheriv("aes-256-gcm", key, iv);
      d.setAuthTag(tag);
      return Buffer.concat([d.update(body), d.final()]).toString();
    },
  },
  cases: [{ name: "keyring.encrypt + keyring.decrypt (with AAD, text format)", fn: () => keyring.decrypt(keyring.encrypt(token, aad), aad) }],
});
