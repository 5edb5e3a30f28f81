export { createKeyring, keyringFromEnv, generateKey, secretAad, type Keyring, type KeyringOptions } from "./keyring";
export { DecryptionError, KeyringError, type DecryptionFailure } from "./errors";
export { decryptFernet, type FernetOptions } from "./fernet";
export { SharedDbError, type SharedDbErrorCode } from "./base-error";
