import { sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db, Tx } from "../db";
import { RlsContextError, ValidationError, parseInput } from "../errors";
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
}

const contextSchema = z.strictObject({
  userId: z.uuid(),
  role: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, "must be a role name (letters, digits, _ and $)")
    .optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The one setup statement, prepared: once the server knows it (per connection), it is sent
 * without a describe step, so it travels in the same round trip as fn's first query.
 */
const setupStatement = (tx: Tx) =>
  tx
    .select({
      ok: sql<string>`set_config(${USER_ID_SETTING}, ${sql.placeholder("userId")}, true)
        || set_config(${CLAIMS_SETTING}, ${sql.placeholder("claims")}, true)
        || set_config('role', ${sql.placeholder("role")}, true)`,
    })
    .from(sql`(select) as rls_setup`)
    .prepare("shared_db_rls_setup");

/**
 * Runs `fn` in one transaction as `ctx.userId`: user id, claims and role are set
 * transaction-locally by one parameterised statement that is pipelined with the first
 * query of `fn`, so it costs no extra round trip. Every policy then sees only that user's rows.
 *
 * @example
 * const mine = await withRls(db, { userId }, (tx) => tx.select().from(auditLogs));
 */
export async function withRls<T>(db: Db, ctx: RlsContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let parsed: z.infer<typeof contextSchema>;
  try {
    parsed = parseInput(contextSchema, ctx);
  } catch (e) {
    if (e instanceof ValidationError) throw new RlsContextError(`Invalid RLS context: ${e.message}`, { cause: e });
    throw e;
  }
  if (db instanceof PgTransaction) {
    // A nested call would leave its settings in force for the rest of the outer transaction.
    throw new RlsContextError("withRls must be given the database, not a transaction: nested withRls calls are not supported");
  }
  const claims = JSON.stringify({ ...parsed.claims, sub: parsed.userId });
  const role = parsed.role ?? APP_ROLE;
  return db.transaction(async (tx) => {
    let setupError: unknown;
    // Not awaited: it is queued on the transaction's connection ahead of fn's first query.
    // If it fails, the transaction is aborted, so nothing in fn runs unscoped.
    const setup = setupStatement(tx)
      .execute({ userId: parsed.userId, claims, role })
      .then(
        () => undefined,
        (e: unknown) => {
          setupError = e;
        },
      );
    try {
      const result = await fn(tx);
      await setup;
      if (setupError) throw setupError;
      return result;
    } catch (e) {
      await setup;
      throw setupError ?? e;
    }
  });
}
