import type { ZodType } from "zod";

/** Base class of every error shared-db throws on purpose. */
export class SharedDbError extends Error {
  override name = "SharedDbError";
}

/** An input failed validation before any SQL ran. `field` is the dotted path of the first bad field. */
export class ValidationError extends SharedDbError {
  override name = "ValidationError";
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly issues: readonly { path: string; message: string }[] = [{ path: field, message: reason }],
  ) {
    super(`Invalid ${field || "input"}: ${reason}`);
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
    super(message, options);
  }
}

/** The row does not exist, or the current user may not see it. */
export class NotFoundError extends SharedDbError {
  override name = "NotFoundError";
  constructor(
    readonly entity: string,
    readonly key: string,
  ) {
    super(`${entity} not found: ${key}`);
  }
}

/** The database URL is malformed or the server cannot be reached. Names the host, never the password. */
export class ConnectionError extends SharedDbError {
  override name = "ConnectionError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A withRls context or call is invalid (bad user id or role, nested call). */
export class RlsContextError extends SharedDbError {
  override name = "RlsContextError";
}

/** The acting user's role does not allow the operation (e.g. a VIEWER inviting a member). */
export class ForbiddenError extends SharedDbError {
  override name = "ForbiddenError";
}

/** A state transition or business rule refused the operation (e.g. demoting the last owner). */
export class InvariantError extends SharedDbError {
  override name = "InvariantError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Parses `input` with `schema`, throwing a ValidationError that names the first bad field. */
export function parseInput<S extends ZodType>(schema: S, input: unknown): S["_output"] {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  const first = result.error.issues[0]!;
  // zod reports unknown keys on the parent object; name the key itself.
  const keys = "keys" in first ? (first.keys as string[]) : [];
  const path = [...first.path.map(String), ...keys.slice(0, 1)].join(".");
  throw new ValidationError(path, first.message, issues);
}

/** The SQLSTATE and constraint of a driver error, looking through Drizzle's wrapper. */
export function pgErrorOf(e: unknown): { code?: string; constraint?: string; message?: string } | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const c = cur as { code?: unknown; constraint?: unknown; constraint_name?: unknown; message?: unknown };
    if (typeof c.code === "string" && /^[0-9A-Z]{5}$/.test(c.code)) {
      const constraint = (c.constraint_name ?? c.constraint) as string | undefined;
      return { code: c.code, constraint, message: c.message as string };
    }
  }
  return undefined;
}

/** Re-throws unique violations as ConflictError; anything else unchanged. */
export function rethrowConflict(e: unknown, describe: (constraint: string | undefined) => string): never {
  const pg = pgErrorOf(e);
  if (pg?.code === "23505") throw new ConflictError(describe(pg.constraint), pg.constraint, { cause: e });
  throw e;
}

/**
 * Refreshing a rotating Slack token failed: Slack refused it (`code` is Slack's `error`, e.g.
 * `invalid_refresh_token`), or gave no usable answer before the deadline (`code` is `timeout`,
 * `http_<status>` or `network_error`). The stored tokens are unchanged.
 */
export class SlackTokenRefreshError extends SharedDbError {
  override name = "SlackTokenRefreshError";
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
