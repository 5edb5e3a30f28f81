import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { decodeBase64Key, decodeBase64Url, encodeBase64Url } from "./base64url";
import { DecryptionError, KeyringError } from "./errors";
import { decryptFernet, encryptFernet, splitFernetKey, type FernetKey, type FernetOptions } from "./fernet";

/** New values: `sdb1:<keyId>:<base64url(iv | ciphertext | tag)>`. ':' never occurs in a Fernet token. */
const PREFIX = "sdb1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** An HMAC-SHA256 (`mac`): 32 bytes, 43 base64url characters. */
const MAC_BYTES = 32;
const MAC_CHARS = 43;

export interface Keyring {
  /** The id of the key new values are encrypted with (the first key). */
  readonly primaryKeyId: string;
  /** Ids of every key, primary first. */
  readonly keyIds: readonly string[];
  /** The `"table.column"` columns written as Fernet (KeyringOptions.fernetColumns). */
  readonly fernetColumns: readonly string[];
  /** The `"table.column"` columns whose legacy Fernet tokens are read (KeyringOptions.fernetReadColumns). */
  readonly fernetReadColumns: readonly string[];
  /**
   * AES-256-GCM under the primary key; `aad` binds the value to where it is stored. For a column
   * listed in `fernetColumns` (by its `secretAad`), a Fernet token under the primary key instead.
   */
  encrypt(plaintext: string, aad?: string): string;
  encryptBytes(plaintext: Uint8Array, aad?: string): string;
  /**
   * Decrypts a value made by any key of the ring, or a Fernet token: with `aad`, only in a column
   * of `fernetColumns` or `fernetReadColumns` (named by its `secretAad`), as a Fernet token is
   * bound to no row or column. Throws DecryptionError.
   */
  decrypt(ciphertext: string, aad?: string): string;
  decryptBytes(ciphertext: string, aad?: string): Uint8Array;
  /** True for a legacy Fernet value or one not under the primary key. */
  needsRotation(ciphertext: string): boolean;
  /** Re-encrypts under the primary key (the same string when already there), as Fernet for a `fernetColumns` column. */
  rotate(ciphertext: string, aad?: string): string;
  /** The key id a value was made with, or "fernet" for a legacy token; throws DecryptionError if malformed. */
  keyIdOf(ciphertext: string): string;
  /**
   * An HMAC-SHA256 of `message` (base64url) under a key derived (HKDF) from the primary key for
   * `purpose`: every holder of the same keys can check it, no one else can make it.
   */
  mac(message: string, purpose: string): string;
  /** Whether `tag` is `mac(message, purpose)` under any key of the ring (compared in constant time). */
  verifyMac(message: string, tag: string, purpose: string): boolean;
}

export interface KeyringOptions {
  /**
   * 32 random bytes each, in base64: urlsafe (Python's `Fernet.generate_key()`, `generateKey()`) or
   * standard (`openssl rand -base64 32`); the first encrypts.
   */
  keys: readonly string[];
  /** For legacy Fernet reads only (tests). @default no TTL */
  fernet?: FernetOptions;
  /**
   * Columns (`"table.column"`) that Python services read with `Fernet(ENCRYPTION_KEY)`: values for
   * them are written as Fernet tokens under the primary key, which those services can decrypt.
   * Trade-off: a Fernet token carries no associated data, so it is not bound to its row (a value
   * copied to another row of the column still decrypts). Only for columns shared with Fernet readers.
   * @default []
   */
  fernetColumns?: readonly string[];
  /**
   * Columns (`"table.column"`) where Python services wrote Fernet tokens that are still to be read:
   * they decrypt there (written as AES-GCM bound to their row, and `rotate-keys` moves them). A
   * Fernet token in any column not listed here or in `fernetColumns` is a DecryptionError
   * (`unexpected-fernet`): it carries no associated data, so it could have been copied from anywhere.
   * @default []
   */
  fernetReadColumns?: readonly string[];
}

interface Key {
  id: string;
  gcm: Buffer;
  fernet: FernetKey;
  /** The MAC key for each purpose asked for, derived once. */
  macKey(purpose: string): Buffer;
}

function parseKey(text: string, index: number): Key {
  const raw = decodeBase64Key(text.trim());
  if (!raw || raw.length !== 32) {
    throw new KeyringError(
      `Encryption key #${index + 1} is invalid: expected 32 bytes in base64, standard or urlsafe alphabet ` +
        "(`shared-db generate-key`, `openssl rand -base64 32` or Python's `Fernet.generate_key()`)",
    );
  }
  const macKeys = new Map<string, Buffer>();
  return {
    id: createHmac("sha256", raw).update("shared-db key id").digest().subarray(0, 6).toString("base64url"),
    // A sub-key per algorithm (and per MAC purpose), so the same key material is never used by two.
    gcm: Buffer.from(hkdfSync("sha256", raw, Buffer.alloc(0), "shared-db aes-256-gcm v1", 32)),
    fernet: splitFernetKey(raw),
    macKey(purpose) {
      let key = macKeys.get(purpose);
      if (!key) macKeys.set(purpose, (key = Buffer.from(hkdfSync("sha256", raw, Buffer.alloc(0), `shared-db hmac-sha256 v1 ${purpose}`, 32))));
      return key;
    },
  };
}

/** A new random key in the format `createKeyring` takes. */
export function generateKey(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * A keyring for field encryption: the first key encrypts, every key decrypts, and values
 * written by Python's Fernet with any of the keys stay readable.
 *
 * @example
 * const keyring = createKeyring({ keys: [process.env.NEW_KEY!, process.env.OLD_KEY!] });
 * const stored = keyring.encrypt("xoxb-...", secretAad("installations", "bot_token"));
 * keyring.decrypt(stored, secretAad("installations", "bot_token")); // "xoxb-..."
 */
export function createKeyring(options: KeyringOptions): Keyring {
  if (options.keys.length === 0) throw new KeyringError("No encryption keys given");
  const keys = options.keys.map(parseKey);
  const byId = new Map<string, Key>();
  keys.forEach((k, i) => {
    if (byId.has(k.id)) throw new KeyringError(`Encryption key #${i + 1} repeats an earlier key`);
    byId.set(k.id, k);
  });
  const primary = keys[0]!;
  const columnList = (option: "fernetColumns" | "fernetReadColumns") =>
    new Set(
      (options[option] ?? []).map((c, i) => {
        if (!/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(c)) throw new KeyringError(`${option} #${i + 1} must be "table.column"`);
        return c;
      }),
    );
  const fernetColumns = columnList("fernetColumns");
  const fernetReadColumns = columnList("fernetReadColumns");
  /** Whether the column this associated data (a `secretAad`) names is in `columns`. */
  const inColumns = (columns: Set<string>, aad: string | undefined) => {
    if (columns.size === 0 || !aad?.startsWith("[")) return false;
    try {
      const [table, column] = JSON.parse(aad) as unknown[];
      return columns.has(`${String(table)}.${String(column)}`);
    } catch {
      return false; // not a secretAad: an ordinary AES-GCM value
    }
  };
  /** Whether the value for this associated data goes to a Fernet column. */
  const fernetFor = (aad: string | undefined) => inColumns(fernetColumns, aad);
  /** Whether a Fernet token may be read here: a listed column, or no associated data (bound to nothing, e.g. an import). */
  const fernetReadable = (aad: string | undefined) => aad === undefined || fernetFor(aad) || inColumns(fernetReadColumns, aad);
  const header = (id: string) => `${PREFIX}:${id}:`;
  const gcmAad = (id: string, aad = "") => Buffer.from(header(id) + aad, "utf8");

  const encryptBytes = (plaintext: Uint8Array, aad?: string) => {
    if (fernetFor(aad)) return encryptFernet(plaintext, primary.fernet);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", primary.gcm, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(gcmAad(primary.id, aad));
    const body = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return header(primary.id) + encodeBase64Url(body);
  };

  const parse = (ciphertext: string) => {
    if (!ciphertext.startsWith(`${PREFIX}:`)) return undefined;
    const idEnd = ciphertext.indexOf(":", PREFIX.length + 1);
    const id = ciphertext.slice(PREFIX.length + 1, idEnd);
    if (idEnd < 0 || !id || ciphertext.includes(":", idEnd + 1)) throw new DecryptionError("malformed");
    const body = decodeBase64Url(ciphertext.slice(idEnd + 1));
    if (!body || body.length < IV_BYTES + TAG_BYTES) throw new DecryptionError("malformed");
    return { id, body };
  };

  const decryptBytes = (ciphertext: string, aad?: string): Buffer => {
    if (typeof ciphertext !== "string") throw new DecryptionError("malformed");
    const gcm = parse(ciphertext);
    if (!gcm) {
      // A Fernet token is bound to nothing: elsewhere it could be a value copied from a Fernet column.
      if (!fernetReadable(aad)) throw new DecryptionError("unexpected-fernet");
      // No key id, so try each key; no associated data either (rotation adds it outside fernetColumns).
      for (const key of keys) {
        const plain = decryptFernet(ciphertext, key.fernet, options.fernet);
        if (plain) return plain;
      }
      throw new DecryptionError("authentication-failed");
    }
    const key = byId.get(gcm.id);
    if (!key) throw new DecryptionError("unknown-key");
    const { body } = gcm;
    try {
      const decipher = createDecipheriv("aes-256-gcm", key.gcm, body.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(gcmAad(key.id, aad));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES));
      // GCM's final() only checks the tag (it returns no bytes): no concatenation on every read.
      const tail = decipher.final();
      return tail.length === 0 ? plain : Buffer.concat([plain, tail]);
    } catch {
      throw new DecryptionError("authentication-failed");
    }
  };

  const keyIdOf = (ciphertext: string) => parse(ciphertext)?.id ?? "fernet";

  const keyring: Keyring = {
    primaryKeyId: primary.id,
    keyIds: Object.freeze(keys.map((k) => k.id)),
    fernetColumns: Object.freeze([...fernetColumns]),
    fernetReadColumns: Object.freeze([...fernetReadColumns]),
    encrypt: (plaintext, aad) => encryptBytes(Buffer.from(plaintext, "utf8"), aad),
    encryptBytes,
    decrypt: (ciphertext, aad) => decryptBytes(ciphertext, aad).toString("utf8"),
    decryptBytes: (ciphertext, aad) => new Uint8Array(decryptBytes(ciphertext, aad)),
    needsRotation: (ciphertext) => keyIdOf(ciphertext) !== primary.id,
    rotate: (ciphertext, aad) => {
      if (fernetFor(aad)) {
        // Already a Fernet token under the primary key: keep it (no re-encryption churn).
        const underPrimary = keyIdOf(ciphertext) === "fernet" && decryptFernet(ciphertext, primary.fernet, options.fernet) !== undefined;
        return underPrimary ? ciphertext : encryptBytes(decryptBytes(ciphertext, aad), aad);
      }
      return keyIdOf(ciphertext) === primary.id ? ciphertext : encryptBytes(decryptBytes(ciphertext, aad), aad);
    },
    keyIdOf,
    mac: (message, purpose) => createHmac("sha256", primary.macKey(purpose)).update(message, "utf8").digest("base64url"),
    verifyMac: (message, tag, purpose) => {
      if (typeof message !== "string" || typeof tag !== "string" || tag.length !== MAC_CHARS) return false;
      const given = decodeBase64Url(tag);
      if (!given || given.length !== MAC_BYTES) return false;
      let ok = false;
      // Every key, without stopping at a match: the time taken does not say which key it was.
      for (const key of keys) ok = timingSafeEqual(createHmac("sha256", key.macKey(purpose)).update(message, "utf8").digest(), given) || ok;
      return ok;
    },
  };
  return Object.freeze(keyring);
}

/**
 * A keyring from the environment: `ENCRYPTION_KEYS="new,old"` (comma-separated, first encrypts),
 * else the single `ENCRYPTION_KEY` the Python services used; `ENCRYPTION_FERNET_COLUMNS` and
 * `ENCRYPTION_FERNET_READ_COLUMNS` (comma-separated `table.column`) for `fernetColumns` and
 * `fernetReadColumns`.
 */
export function keyringFromEnv(env: Record<string, string | undefined> = process.env): Keyring {
  const list = env.ENCRYPTION_KEYS ?? env.ENCRYPTION_KEY;
  if (!list?.trim()) throw new KeyringError("Set ENCRYPTION_KEYS (comma-separated, first encrypts) or ENCRYPTION_KEY");
  const split = (v: string | undefined) =>
    (v ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean);
  return createKeyring({
    keys: split(list),
    fernetColumns: split(env.ENCRYPTION_FERNET_COLUMNS),
    fernetReadColumns: split(env.ENCRYPTION_FERNET_READ_COLUMNS),
  });
}
