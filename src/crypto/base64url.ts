const URLSAFE = /^[A-Za-z0-9_-]*={0,2}$/;
const URLSAFE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Strict urlsafe base64: only the urlsafe alphabet, padding optional but correct when present,
 * and canonical (no stray bits), so one value has exactly one text form.
 */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (!URLSAFE.test(text)) return undefined;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const length = text.length - pad;
  if (pad && text.length % 4 !== 0) return undefined;
  const rest = length % 4;
  if (rest === 1) return undefined;
  // Canonical: the bits of the last character past the encoded bytes are zero (checked without re-encoding: it runs on every decryption).
  if (rest !== 0 && (URLSAFE_ALPHABET.indexOf(text[length - 1]!) & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  return Buffer.from(pad ? text.slice(0, length) : text, "base64url");
}

export const encodeBase64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/**
 * A key in either base64 alphabet: urlsafe (Python's `Fernet.generate_key()`, `generateKey()`) or
 * standard (`openssl rand -base64 32`). Strict and canonical in both; the alphabets are not mixed.
 */
export function decodeBase64Key(text: string): Buffer | undefined {
  const urlsafe = decodeBase64Url(text);
  if (urlsafe) return urlsafe;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}
