import { getTableColumns, getTableName, is, SQL } from "drizzle-orm";
import { Column } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { SharedDbError, type SharedDbErrorCode } from "./crypto/base-error";
import { DecryptionError, KeyringError } from "./crypto/errors";
import * as schema from "./schema";

export { SharedDbError, type SharedDbErrorCode, DecryptionError, KeyringError };

/** An input failed validation before any SQL ran. `field` is the dotted path of the first bad field. */
export class ValidationError extends SharedDbError {
  override name = "ValidationError";
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly issues: readonly { path: string; message: string }[] = [{ path: field, message: reason }],
  ) {
    super("validation", `Invalid ${field || "input"}: ${reason}`);
  }
}

/** A unique constraint rejected the write (e.g. a duplicate email). */
export class ConflictError extends SharedDbError {
  override name = "ConflictError";
  constructor(
    message: string,
    readonly constraint?: string,
    options?: ErrorOptions,
  ) {
    super("conflict", message, safeOptions(options));
  }
}

/**
 * A user cannot be deleted while escrow projects refer to it (creator, buyer, seller, or a
 * transaction's payer): money records keep their parties. `projectIds` names every such project.
 */
export class UserHasProjectsError extends ConflictError {
  override name = "UserHasProjectsError";
  constructor(
    readonly userId: string,
    readonly projectIds: readonly string[],
  ) {
    const shown = projectIds.slice(0, 10).join(", ") + (projectIds.length > 10 ? `, … (${projectIds.length} in all)` : "");
    super(`User ${userId} is a party to escrow projects and cannot be deleted (deactivate it instead): ${shown}`);
  }
}

/**
 * The row does not exist, or the current user may not see it. From a foreign key, `field` names
 * the input that referred to it and `constraint` the key.
 */
export class NotFoundError extends SharedDbError {
  override name = "NotFoundError";
  readonly field?: string;
  readonly constraint?: string;
  constructor(
    readonly entity: string,
    readonly key: string,
    details: { field?: string; constraint?: string } = {},
  ) {
    super("not_found", key ? `${entity} not found: ${key}` : `${entity} not found${details.field ? ` (${details.field})` : ""}`);
    this.field = details.field;
    this.constraint = details.constraint;
  }
}

/**
 * What is known of a call whose connection was lost: `not-committed` when nothing of it can have
 * committed (lost before COMMIT was sent: safe to retry), `unknown` when it may have (lost while
 * COMMIT, or a statement outside a transaction, awaited its answer: check before retrying).
 */
export type ConnectionOutcome = "not-committed" | "unknown";

/**
 * The database URL is malformed, the server cannot be reached, or the connection was lost during
 * a call (then `outcome` says whether the call may have committed, and `cause` is the driver's
 * error). Names the host, never the password.
 */
export class ConnectionError extends SharedDbError {
  override name = "ConnectionError";
  /** Set when a connection was lost during a call; absent when none could be opened. */
  readonly outcome?: ConnectionOutcome;
  constructor(message: string, options?: ErrorOptions & { outcome?: ConnectionOutcome }) {
    super("connection", message, options && "outcome" in options ? options : safeOptions(options));
    if (options?.outcome) this.outcome = options.outcome;
  }
}

/** A call got no answer within its deadline (`queryTimeout` of `createDb`); its connection was closed. */
export class QueryTimeoutError extends ConnectionError {
  override name = "QueryTimeoutError";
  constructor(
    readonly timeoutMs: number,
    options: ErrorOptions & { outcome: ConnectionOutcome },
  ) {
    super(`No answer from PostgreSQL within ${timeoutMs} ms (queryTimeout): the connection was closed`, options);
  }
}

/** The code of a driver error that means the connection is gone (not a statement's failure). */
const LOST_CONNECTION_CODES = new Set([
  // postgres.js
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  // shared-db's deadline
  "QUERY_TIMEOUT",
  // node:net
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_STREAM_DESTROYED",
  // SQLSTATEs that end the session: admin or crash shutdown, cannot connect now, session timeouts
  "57P01",
  "57P02",
  "57P03",
  "57P05",
  "25P03",
]);

/**
 * The driver error (through Drizzle's wrapper) that says the connection was lost, if it is one:
 * a postgres.js or socket code, a SQLSTATE of class 08 or one that ends the session, or
 * node-postgres's "Connection terminated" (which has no code).
 */
export function lostConnectionOf(e: unknown): (Error & { code?: string }) | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (cur instanceof ConnectionError) return cur;
    if (typeof code === "string" && (LOST_CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return cur as Error;
    if (/^Connection terminated|is not queryable/.test((cur as Error).message ?? "")) return cur as Error;
  }
  return undefined;
}

/**
 * A ConnectionError for a lost connection. Its cause is the driver's error reduced to its name,
 * message and code: the driver attaches the statement's parameters to it, which must not travel.
 */
export function lostConnectionError(e: unknown, outcome: ConnectionOutcome): ConnectionError {
  const lost = lostConnectionOf(e);
  if (lost instanceof ConnectionError && (lost.outcome === outcome || !lost.outcome)) return lost;
  const code = (lost instanceof ConnectionError ? (lost.cause as { code?: string } | undefined)?.code : lost?.code) ?? "unknown";
  // Refused or never opened: nothing was sent, whatever the caller assumed.
  const known = NEVER_SENT_CODES.has(code) ? "not-committed" : outcome;
  const cause =
    lost instanceof ConnectionError ? lost.cause : Object.assign(new Error(lost?.message ?? String(e)), { name: lost?.name ?? "Error", code });
  if (code === "QUERY_TIMEOUT") return new QueryTimeoutError((cause as { timeoutMs?: number }).timeoutMs ?? 0, { outcome: known, cause });
  return new ConnectionError(`The connection to PostgreSQL was lost (${code})${outcomeText(known)}`, { outcome: known, cause });
}

const NEVER_SENT_CODES = new Set(["ECONNREFUSED", "CONNECT_TIMEOUT", "57P03", "EHOSTUNREACH", "ENETUNREACH"]);

const outcomeText = (outcome: ConnectionOutcome) =>
  outcome === "unknown" ? ": the outcome of the call is unknown (it may have committed)" : ": nothing of the call was committed";

/** A withRls context or call is invalid (bad user id or role, nested call). */
export class RlsContextError extends SharedDbError {
  override name = "RlsContextError";
  /** The context field that was refused (`userId`, `role`, `claims.<key>`), when one was. */
  readonly field?: string;
  constructor(message: string, options?: ErrorOptions & { field?: string }) {
    super("rls_context", message, safeOptions(options));
    this.field = options?.field;
  }
}

/**
 * The acting user's role does not allow the operation (e.g. a VIEWER inviting a member), or the
 * database refused a privilege or a row-level security check (`table` names the table).
 */
export class ForbiddenError extends SharedDbError {
  override name = "ForbiddenError";
  readonly table?: string;
  constructor(message: string, details: { table?: string } = {}) {
    super("forbidden", message);
    this.table = details.table;
  }
}

/** A state transition or business rule refused the operation (e.g. demoting the last owner); `rule` names it. */
export class InvariantError extends SharedDbError {
  override name = "InvariantError";
  constructor(
    message: string,
    readonly rule: string,
  ) {
    super("invariant", message);
  }
}

/** A stored credential is past its `token_expires_at`: refresh or replace it before use. */
export class CredentialExpiredError extends InvariantError {
  override name = "CredentialExpiredError";
  constructor(
    readonly credential: string,
    readonly expiredAt: Date,
  ) {
    super(`The ${credential} credential expired at ${expiredAt.toISOString()}`, "credential_expired");
  }
}

/**
 * Any other database failure. Carries what helps debugging without the statement's parameters:
 * the SQLSTATE, the table/column/constraint the server named and the SQL text (with `$1`
 * placeholders), never the values, the server's DETAIL (which quotes them) or the driver error.
 */
export class DatabaseError extends SharedDbError {
  override name = "DatabaseError";
  constructor(
    message: string,
    readonly sqlstate: string,
    readonly details: { table?: string; column?: string; constraint?: string; query?: string } = {},
  ) {
    super("database", message);
  }
}

/**
 * A lock the statement needed was held by another transaction past the wait limit (SQLSTATE 55P03,
 * e.g. the escrow functions' `lock_timeout`): the statement was cancelled and wrote nothing. Retry later.
 */
export class LockTimeoutError extends DatabaseError {
  override name = "LockTimeoutError";
  constructor(details: { table?: string; query?: string } = {}) {
    super("Another transaction held a lock this statement needed past the wait limit: nothing was written, retry later", "55P03", details);
  }
}

/** What a driver error says about itself: SQLSTATE and the names the server gave (never values). */
export interface PgErrorInfo {
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  message?: string;
}

/**
 * The SQLSTATE, constraint, table and column of a driver error, looking through Drizzle's wrapper;
 * for a typed error `mapDbError` made, what it kept (`sqlstate`, names; not the server's message).
 */
export function pgErrorOf(e: unknown): PgErrorInfo | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const c = cur as Record<string, unknown>;
    if (cur instanceof SharedDbError && typeof c.sqlstate === "string") {
      const d = { ...(c.details as PgErrorInfo | undefined), ...c } as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === "string" ? v : undefined);
      return { code: c.sqlstate, constraint: str(d.constraint), table: str(d.table), column: str(d.column) };
    }
    if (typeof c.code === "string" && /^[0-9A-Z]{5}$/.test(c.code)) {
      const str = (...v: unknown[]) => v.find((x): x is string => typeof x === "string" && x !== "");
      return {
        code: c.code,
        constraint: str(c.constraint_name, c.constraint),
        table: str(c.table_name, c.table),
        column: str(c.column_name, c.column),
        message: str(c.message),
      };
    }
  }
  return undefined;
}

/** The SQL text of a failed Drizzle query (placeholders, not values). */
export function queryOf(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const q = (cur as { query?: unknown }).query;
    if (typeof q === "string") return q;
  }
  return undefined;
}

/** True for an error that came from the driver (and may carry a statement's parameters). */
export const isDriverError = (e: unknown): boolean => !(e instanceof SharedDbError) && (pgErrorOf(e) !== undefined || queryOf(e) !== undefined);

/** A cause that is a driver error is replaced by its parameter-free DatabaseError. */
function safeOptions(options?: ErrorOptions): ErrorOptions | undefined {
  if (!options || !isDriverError(options.cause)) return options;
  return { cause: databaseErrorOf(options.cause) };
}

/** Server messages of these SQLSTATEs quote names only, never values, so they may be passed on. */
const SAFE_SERVER_MESSAGE = /^(23|40|42|53|54|55|57|25|3D|3F|28|0A)/;

/** A parameter-free DatabaseError for any driver error. */
export function databaseErrorOf(e: unknown): DatabaseError {
  const pg = pgErrorOf(e) ?? {};
  const code = pg.code ?? "XX000";
  const told = pg.message && SAFE_SERVER_MESSAGE.test(code) ? pg.message : undefined;
  const where = pg.table ? ` on table ${pg.table}` : "";
  const message = told ? `${told} (SQLSTATE ${code})` : `Database error SQLSTATE ${code}${where}`;
  return new DatabaseError(message, code, { table: pg.table, column: pg.column, constraint: pg.constraint, query: queryOf(e) });
}

/** Re-throws unique violations as ConflictError; other driver errors as mapped by `mapDbError`. */
export function rethrowConflict(e: unknown, describe: (constraint: string | undefined) => string): never {
  const pg = pgErrorOf(e);
  if (pg?.code === "23505") throw new ConflictError(describe(pg.constraint), pg.constraint);
  throw mapDbError(e);
}

/** What a call site knows that the server does not say: which input a failing value came from. */
export interface DbErrorHints {
  /** The field to name when the server names no column (encoding and range errors). */
  field?: string;
  /** Constraint or column name -> input field, where it differs from the schema's property. */
  fields?: Record<string, string>;
  /** The message of a unique violation. */
  conflict?: (constraint: string | undefined) => string;
}

/** Throws `mapDbError(e, hints)`: `.catch((e) => rethrowDbError(e, { field: "name" }))`. */
export function rethrowDbError(e: unknown, hints?: DbErrorHints): never {
  throw mapDbError(e, hints);
}

interface ConstraintInfo {
  table: string;
  /** Input fields (schema property names) of the constrained columns. */
  fields: string[];
  /** The table a foreign key points at. */
  references?: string;
}

let constraintIndex: Map<string, ConstraintInfo> | undefined;
let columnIndex: Map<string, string> | undefined;

/** Constraint name -> table, fields and referenced table, read from the Drizzle schema once. */
function constraints(): Map<string, ConstraintInfo> {
  if (constraintIndex) return constraintIndex;
  constraintIndex = new Map();
  columnIndex = new Map();
  for (const table of Object.values(schema as Record<string, unknown>)) {
    if (!is(table, PgTable)) continue;
    const config = getTableConfig(table);
    const property = new Map(Object.entries(getTableColumns(table)).map(([key, c]) => [c.name, key]));
    const fields = (columns: { name: string }[]) => columns.map((c) => property.get(c.name) ?? c.name);
    const add = (name: string, info: Omit<ConstraintInfo, "table">) => constraintIndex!.set(name, { table: config.name, ...info });
    for (const [column, key] of property) columnIndex.set(`${config.name}.${column}`, key);
    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      add(fk.getName(), { fields: fields(ref.columns), references: getTableName(ref.foreignTable) });
    }
    for (const u of config.uniqueConstraints) add(u.getName()!, { fields: fields(u.columns) });
    for (const c of config.columns) if (c.isUnique && c.uniqueName) add(c.uniqueName, { fields: fields([c]) });
    for (const i of config.indexes) {
      const cols = i.config.columns.filter((c): c is Column => is(c, Column));
      if (i.config.name) add(i.config.name, { fields: fields(cols) });
    }
    for (const c of config.checks) {
      const cols = is(c.value, SQL) ? c.value.queryChunks.filter((q): q is Column => is(q, Column)) : [];
      add(c.name, { fields: fields(cols) });
    }
  }
  return constraintIndex;
}

/** What a refused value's field is: the caller's hint, the server's column, the constraint's column. */
function fieldOf(pg: PgErrorInfo, hints: DbErrorHints | undefined, info: ConstraintInfo | undefined): string {
  const byName = (name: string | undefined) => (name ? hints?.fields?.[name] : undefined);
  const column = pg.column && pg.table ? (constraints(), columnIndex!.get(`${pg.table}.${pg.column}`)) : undefined;
  return byName(pg.constraint) ?? byName(pg.column) ?? info?.fields[0] ?? column ?? pg.column ?? hints?.field ?? "input";
}

/** 42501: `permission denied for table x` or `new row violates row-level security policy for table "x"`. */
const refusedTable = (message = "") => /for (?:table|relation) "?([\w.]+)"?/.exec(message)?.[1];

/** Why Postgres refused a value, by SQLSTATE class 22/23: what the caller should have sent instead. */
const VALUE_REASONS: Record<string, string> = {
  "22001": "is too long for its column",
  "22003": "is out of range for its column",
  "22007": "is not a valid date or time",
  "22008": "is out of range for a timestamp",
  "22009": "is not a valid time zone",
  "2200D": "is not a valid encoding",
  "22021": "contains a character the database cannot store (NUL)",
  "22P05": "contains a character the database cannot store (NUL in JSON)",
  "22P02": "is not in the expected format",
  "22023": "is not an accepted value",
  "22012": "divides by zero",
  "2201E": "is out of range",
  "21000": "repeats the same key twice in one write",
  "23502": "is required",
  "23514": "breaks a rule of its column",
};

/**
 * Maps a driver error to a typed error by SQLSTATE, the one place that does: unique (23505) ->
 * ConflictError with the constraint; foreign key (23503) -> NotFoundError naming the field (or,
 * when a delete is refused because rows still refer to it, ConflictError); check, not-null,
 * range, format and encoding (22xxx, 23502, 23514, 21000) -> ValidationError naming the field;
 * 42501 -> ForbiddenError naming the refused table; 55P03 -> LockTimeoutError; a lost connection ->
 * ConnectionError with `outcome: "unknown"` (a transaction that knows better says "not-committed");
 * anything else -> DatabaseError with its SQLSTATE. Errors that are not driver errors are returned unchanged. The result never carries
 * the statement's parameters (Drizzle puts them in its message) or the server's DETAIL.
 */
export function mapDbError(e: unknown, hints?: DbErrorHints): unknown {
  if (!(e instanceof SharedDbError) && lostConnectionOf(e)) return lostConnectionError(e, "unknown");
  if (!isDriverError(e)) return e;
  const mapped = mapDriverError(e, hints);
  // The SQLSTATE stays readable (`pgErrorOf(e).code`) on whatever typed error it became.
  if (mapped instanceof SharedDbError && !("sqlstate" in mapped)) Object.assign(mapped, { sqlstate: pgErrorOf(e)?.code ?? "XX000" });
  return mapped;
}

function mapDriverError(e: unknown, hints?: DbErrorHints): unknown {
  const pg = pgErrorOf(e);
  const code = pg?.code;
  if (!pg || !code) return databaseErrorOf(e);
  const info = pg.constraint ? constraints().get(pg.constraint) : undefined;
  if (code === "23505") {
    const fields = info?.fields.join(", ");
    const message = hints?.conflict?.(pg.constraint) ?? `A ${info?.table ?? "row"} with this ${fields || "key"} already exists`;
    return new ConflictError(message, pg.constraint);
  }
  if (code === "23503") {
    if (/^update or delete on table/.test(pg.message ?? "")) {
      return new ConflictError(`Other rows still refer to this ${pg.table ?? "row"} (${pg.constraint ?? "foreign key"})`, pg.constraint);
    }
    const field = fieldOf(pg, hints, info);
    return new NotFoundError(info?.references ?? "referenced row", "", { field, constraint: pg.constraint });
  }
  if (code === "42501") {
    const table = refusedTable(pg.message);
    const what = /row-level security/.test(pg.message ?? "") ? "Row-level security refused the row" : "Permission denied";
    return new ForbiddenError(`${what} for table ${table ?? "(unknown)"} (SQLSTATE 42501)`, { table });
  }
  if (code === "55P03") return new LockTimeoutError({ table: pg.table, query: queryOf(e) });
  const reason = VALUE_REASONS[code];
  if (reason) {
    const field = fieldOf(pg, hints, info);
    const error = new ValidationError(field, reason);
    Object.assign(error, { sqlstate: code, constraint: pg.constraint });
    return error;
  }
  return databaseErrorOf(e);
}

/**
 * Refreshing a rotating Slack token failed: Slack refused it (`reason` is Slack's `error`, e.g.
 * `invalid_refresh_token`), or gave no usable answer before the deadline (`reason` is `timeout`,
 * `http_<status>` or `network_error`). The stored tokens are unchanged.
 */
export class SlackTokenRefreshError extends SharedDbError {
  override name = "SlackTokenRefreshError";
  constructor(
    message: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("upstream", message, options);
  }
}

/** The class each `SharedDbErrorCode` is thrown as (or a subclass of it). */
export interface SharedDbErrorByCode {
  validation: ValidationError;
  conflict: ConflictError;
  not_found: NotFoundError;
  forbidden: ForbiddenError;
  invariant: InvariantError;
  connection: ConnectionError;
  rls_context: RlsContextError;
  decryption: DecryptionError;
  keyring: KeyringError;
  database: DatabaseError;
  upstream: SlackTokenRefreshError;
}

/**
 * Whether `e` is an error shared-db threw on purpose, of `code` when given; narrows to its class
 * with its fields. Works across entry points (one copy of each class per process).
 * @example
 * catch (e) { if (isSharedDbError(e, "conflict")) return reply(409, e.constraint); throw e; }
 */
export function isSharedDbError<C extends SharedDbErrorCode>(e: unknown, code?: C): e is SharedDbErrorByCode[C] {
  return e instanceof SharedDbError && (code === undefined || e.code === code);
}
