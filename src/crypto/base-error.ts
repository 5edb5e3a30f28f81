/**
 * What kind of failure an error is. Stable across releases: match on `code`, not on messages.
 * - `validation`: an input was refused before any SQL ran (or a value the database refused), `field` names it
 * - `conflict`: a unique constraint refused the write, `constraint` names it
 * - `not_found`: the row (or the row a reference points at) does not exist or is not visible
 * - `forbidden`: the role or privilege does not allow it (`table` names a refused table)
 * - `invariant`: a business rule refused it, `rule` names the rule
 * - `connection`: the database cannot be opened or reached
 * - `rls_context`: a withRls context or call is invalid
 * - `decryption` / `keyring`: a stored secret cannot be decrypted / the keys are unusable
 * - `database`: any other database failure, with its `sqlstate` (never its parameters)
 * - `upstream`: an outside service failed (Slack's token refresh), `reason` says how
 */
export type SharedDbErrorCode =
  | "validation"
  | "conflict"
  | "not_found"
  | "forbidden"
  | "invariant"
  | "connection"
  | "rls_context"
  | "decryption"
  | "keyring"
  | "database"
  | "upstream";

/**
 * Base class of every error shared-db throws on purpose. It lives here, beside the keyring,
 * because `shared-db/crypto` depends on nothing else of the package; the root re-exports it.
 */
export class SharedDbError extends Error {
  override name = "SharedDbError";
  readonly code: SharedDbErrorCode;
  constructor(code: SharedDbErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
