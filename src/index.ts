export { createDb, primaryOf, type CreateDbOptions, type DbHandle, type Db, type Tx, type SharedDb } from "./db";
export { migrate, type MigrateResult } from "./migrate";
export { withRls, appRlsSql, enableAppRls, type RlsContext, type AppRlsInput } from "./rls";
export {
  SharedDbError,
  ValidationError,
  ConflictError,
  UserHasProjectsError,
  NotFoundError,
  ConnectionError,
  RlsContextError,
  InvariantError,
  CredentialExpiredError,
  ForbiddenError,
  DatabaseError,
  LockTimeoutError,
  SlackTokenRefreshError,
  DecryptionError,
  KeyringError,
  mapDbError,
  isSharedDbError,
  type SharedDbErrorByCode,
  type SharedDbErrorCode,
  type DbErrorHints,
} from "./errors";
