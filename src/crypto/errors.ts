import { SharedDbError } from "./base-error";

/** Why a value could not be decrypted; never carries key material or plaintext. */
export type DecryptionFailure =
  | "malformed" // not a shared-db ciphertext nor a well-formed Fernet token
  | "unknown-key" // made with a key this keyring does not hold
  | "authentication-failed" // tampered, truncated, wrong key, or wrong associated data
  | "expired" // a Fernet token older than the TTL that was asked for
  | "unexpected-fernet"; // a Fernet token in a column not listed in fernetColumns or fernetReadColumns

/** Every decryption failure: one class, so callers cannot leak which check failed by accident. */
export class DecryptionError extends SharedDbError {
  override name = "DecryptionError";
  constructor(readonly reason: DecryptionFailure) {
    super("decryption", `Cannot decrypt value: ${reason.replace("-", " ")}`);
  }
}

/** A key list that cannot make a keyring; names the entry by position, never by value. */
export class KeyringError extends SharedDbError {
  override name = "KeyringError";
  constructor(message: string) {
    super("keyring", message);
  }
}
