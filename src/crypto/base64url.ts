/**
 * Strict urlsafe base64: only the urlsafe alphabet, padding optional but correct when present,
 * and canonical (no stray bits), so one value has exactly one text form.
 */
export function decodeBase64Url(text: string): Buffer | undefined {
  const m = /^([A-Za-z0-9_-]*)(={0,2})$/.exec(text);
  if (!m) return undefined;
  const [, body = "", pad] = m;
  if (pad && (body.length + pad.length) % 4 !== 0) return undefined;
  if (body.length % 4 === 1) return undefined;
  const bytes = Buffer.from(body, "base64url");
  return bytes.toString("base64url") === body ? bytes : undefined;
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
