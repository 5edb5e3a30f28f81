import { PgTransaction } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db, SharedDbSchema, Tx } from "../db";
import { RlsContextError, ValidationError, pgErrorOf, rethrowDbError } from "../errors";
import { parseInput, pgJson, uuid } from "../input";
import { APP_ROLE, CLAIMS_SETTING, USER_ID_SETTING } from "./names";

export interface RlsContext {
  /** The user the transaction acts as (a UUID of shared_db.users). */
  userId: string;
  /**
   * The role to switch to for the transaction, e.g. Supabase's `"authenticated"` once it is
   * granted `shared_db_app` (see the README).
   * @default "shared_db_app"
   */
  role?: string;
  /** Extra JWT claims, readable in policies as `current_setting('request.jwt.claims')`; `sub` is set to userId. */
  claims?: Record<string, unknown>;
  /**
   * How long, in milliseconds, a statement of `fn` may wait for a lock (PostgreSQL's
   * `lock_timeout`, transaction-local): past it the statement fails with `LockTimeoutError` and
   * nothing of the transaction is written. Another session holding a row that `fn` needs, a
   * hostile one included, stalls the user for this long at most. `0` waits without limit.
   * @default 5000
   * @example
   * await withRls(db, { userId, lockTimeout: 500 }, (tx) => updateProfile(tx, input));
   */
  lockTimeout?: number;
}

const contextSchema = z.strictObject({
  userId: uuid(),
  role: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, "must be a role name (letters, digits, _ and $)")
    .optional(),
  claims: pgJson().optional(),
  lockTimeout: z.number().int().min(0).max(2_147_483_647).optional(),
});

const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/**
 * The one setup statement. Its text is fixed, so it is written once here rather than built by
 * the query builder on every call (about 25 µs of client CPU each time), and it is run
 * as a prepared statement: once the server knows it (per connection), it is sent without a
 * describe step, so it travels in the same round trip as fn's first query.
 */
const SETUP_SQL = `select set_config('${USER_ID_SETTING}', $1, true)
  || set_config('${CLAIMS_SETTING}', $2, true)
  || set_config('role', shared_db.rls_role($3), true)
  || set_config('lock_timeout', $4, true)`;

/**
 * Undoes, for the session, whatever `fn` may have left on the connection (its role and settings,
 * session-level advisory locks, temporary objects: see shared_db.reset_session() in migration
 * 0025), so the next user of a pooled connection, or service work on it, starts as the login with
 * no user and nothing planted. Pipelined ahead of COMMIT, so it costs no round trip either.
 */
const RESET_SQL = "select shared_db.reset_session()";

/** Runs a fixed statement on the transaction's connection, prepared under `name`; its rows are not read. */
const run = <S extends Record<string, unknown>>(tx: Tx<S>, name: string, text: string, params: unknown[]): Promise<unknown> =>
  tx._.session.prepareQuery({ sql: text, params }, undefined, name, false).execute();
const resetSession = <S extends Record<string, unknown>>(tx: Tx<S>) => run(tx, "shared_db_rls_reset", RESET_SQL, []);

/**
 * Runs `fn` in one transaction as `ctx.userId`: user id, claims and role are set
 * transaction-locally by one parameterised statement that is pipelined with the first
 * query of `fn`, so it costs no extra round trip. Every policy then sees only that user's rows.
 *
 * @example
 * const mine = await withRls(db, { userId }, (tx) => tx.select().from(auditLogs));
 */
export async function withRls<T, TSchema extends Record<string, unknown> = SharedDbSchema>(
  db: Db<TSchema>,
  ctx: RlsContext,
  fn: (tx: Tx<TSchema>) => Promise<T>,
): Promise<T> {
  let parsed: z.infer<typeof contextSchema>;
  try {
    parsed = parseInput(contextSchema, ctx);
  } catch (e) {
    if (e instanceof ValidationError) throw new RlsContextError(`Invalid RLS context: ${e.message}`, { cause: e, field: e.field });
    throw e;
  }
  if (db instanceof PgTransaction) {
    // A nested call would leave its settings in force for the rest of the outer transaction.
    throw new RlsContextError("withRls must be given the database, not a transaction: nested withRls calls are not supported");
  }
  const claims = JSON.stringify({ ...parsed.claims, sub: parsed.userId });
  const role = parsed.role ?? APP_ROLE;
  const setupParams = [parsed.userId, claims, role, `${parsed.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_MS}ms`];
  let reset: Promise<unknown> = Promise.resolve();
  const result = await db
    .transaction(async (tx) => {
      let setupError: unknown;
      // Not awaited: it is queued on the transaction's connection ahead of fn's first query.
      // If it fails, the transaction is aborted, so nothing in fn runs unscoped.
      const setup = run(tx, "shared_db_rls_setup", SETUP_SQL, setupParams).then(
        () => undefined,
        (e: unknown) => {
          setupError = e;
        },
      );
      try {
        const value = await fn(tx);
        await setup;
        if (setupError) throw setupError;
        // Not awaited either: queued ahead of COMMIT; awaited below, once the transaction is over.
        reset = resetSession(tx);
        reset.catch(() => {});
        return value;
      } catch (e) {
        await setup;
        // The transaction is aborted (or fn threw): the reset cannot run in it, and a rollback
        // keeps session advisory locks (settings and temporary objects it undoes). So roll back and
        // chain a new transaction on the same connection (a pooler keeps it for us too), reset
        // there, and scope it as before: a query fn still has in flight lands in it, not in the
        // login's autocommit, and the driver's ROLLBACK ends it. A round trip, on this path only.
        await Promise.allSettled([
          run(tx, "shared_db_rls_rollback", "rollback and chain", []),
          resetSession(tx),
          run(tx, "shared_db_rls_setup", SETUP_SQL, setupParams),
        ]);
        throw setupError ? rlsSetupError(setupError, role) : e;
      }
    })
    // fn's driver errors, and COMMIT's, come out typed (a refused table as ForbiddenError naming it), without parameters.
    .catch((e: unknown) => rethrowDbError(e));
  // It fails only when fn left the transaction aborted, and then COMMIT rolled it back.
  await reset.catch((e: unknown) => rethrowDbError(e));
  return result;
}

/** A setup failure names the role: shared_db.rls_role refuses roles that would bypass the policies. */
function rlsSetupError(e: unknown, role: string): unknown {
  const pg = pgErrorOf(e);
  if (pg?.code === "SDB01" || pg?.code === "22023" || pg?.code === "42704") {
    return new RlsContextError(`withRls cannot act as role "${role}": ${pg.message}`, { cause: e });
  }
  if (pg?.code === "42501") {
    return new RlsContextError(`withRls cannot switch to role "${role}": the login role is not a member of it`, { cause: e });
  }
  return e;
}
