import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { decodeBase64Url, encodeBase64Url } from "./base64url";
import { DecryptionError } from "./errors";

/** The halves of a 32-byte Fernet key, as the spec splits it. */
export interface FernetKey {
  signing: Buffer;
  encryption: Buffer;
}

export interface FernetOptions {
  /** Reject tokens older than this. Stored credentials never expire by age, so: @default no TTL */
  ttlSeconds?: number;
  /** The current time in seconds, for TTL checks. @default Date.now() / 1000 */
  now?: number;
}

const MAX_CLOCK_SKEW = 60;
const HEADER = 1 + 8 + 16;
const MAC = 32;

export const splitFernetKey = (raw: Buffer): FernetKey => ({ signing: raw.subarray(0, 16), encryption: raw.subarray(16, 32) });

/**
 * Reads a Fernet token (version 0x80, timestamp, IV, AES-128-CBC ciphertext, HMAC-SHA256).
 * Returns undefined when the HMAC does not match this key (so the caller can try the next key);
 * throws DecryptionError when the token is malformed or, with a TTL, expired.
 */
export function decryptFernet(token: string, key: FernetKey, options: FernetOptions = {}): Buffer | undefined {
  const data = decodeBase64Url(token);
  if (!data || data.length < HEADER + 16 + MAC || data[0] !== 0x80 || (data.length - HEADER - MAC) % 16 !== 0) {
    throw new DecryptionError("malformed");
  }
  const signed = data.subarray(0, data.length - MAC);
  const mac = createHmac("sha256", key.signing).update(signed).digest();
  // Constant-time comparison, and before any decryption (no padding oracle).
  if (!timingSafeEqual(mac, data.subarray(data.length - MAC))) return undefined;
  if (options.ttlSeconds !== undefined) {
    const issued = Number(data.readBigUInt64BE(1));
    const now = options.now ?? Date.now() / 1000;
    if (issued + options.ttlSeconds < now || issued > now + MAX_CLOCK_SKEW) throw new DecryptionError("expired");
  }
  try {
    const decipher = createDecipheriv("aes-128-cbc", key.encryption, data.subarray(9, HEADER));
    return Buffer.concat([decipher.update(data.subarray(HEADER, data.length - MAC)), decipher.final()]);
  } catch {
    throw new DecryptionError("authentication-failed");
  }
}

/**
 * Makes a Fernet token (what Python's `Fernet(key).encrypt(data)` makes): readable by every Fernet
 * implementation, but with no associated data, so it is not bound to the row it is stored in.
 * `now` and `iv` are for the spec's test vectors only.
 */
export function encryptFernet(plaintext: Uint8Array, key: FernetKey, fixed: { now?: number; iv?: Uint8Array } = {}): string {
  const header = Buffer.alloc(9);
  header[0] = 0x80;
  header.writeBigUInt64BE(BigInt(Math.floor(fixed.now ?? Date.now() / 1000)), 1);
  const iv = fixed.iv ? Buffer.from(fixed.iv) : randomBytes(16);
  const cipher = createCipheriv("aes-128-cbc", key.encryption, iv);
  const signed = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
  // Python's cryptography emits padded urlsafe base64; every reader accepts it.
  const token = encodeBase64Url(Buffer.concat([signed, createHmac("sha256", key.signing).update(signed).digest()]));
  return token + "=".repeat((4 - (token.length % 4)) % 4);
}
