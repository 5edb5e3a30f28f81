export { createKeyring, keyringFromEnv, generateKey, type Keyring, type KeyringOptions } from "./keyring";
export { secretAad } from "./aad";
export { DecryptionError, KeyringError, type DecryptionFailure } from "./errors";
export { decryptFernet, type FernetOptions } from "./fernet";
export { SharedDbError, type SharedDbErrorCode } from "./base-error";
