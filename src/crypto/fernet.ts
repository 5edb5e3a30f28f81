import { createDecipheriv, createHmac, timingSafeEqual } from "node:crypto";
import { decodeBase64Url } from "./base64url";
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
