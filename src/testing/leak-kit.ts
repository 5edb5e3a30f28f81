import { randomUUID } from "node:crypto";
import { getTableName, inArray, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db, Tx } from "../db";
import { pgErrorOf } from "../errors";
import { withRls } from "../rls/with-rls";
import { APP_ROLE } from "../rls/names";
import { propertyOf } from "../schema/namespace";
import { createUser, type PublicUser } from "../stores/users";

export interface LeakSpec {
  /** A table under row-level security. */
  table: PgTable;
  /** Its primary key column. @default the table's `id` column */
  key?: PgColumn;
  /** Creates rows owned by `owner` on the privileged connection and returns their keys. */
  seed: (db: Db, owner: PublicUser) => Promise<string[]>;
  /** Values an UPDATE by the attacker tries to set. @default the key set to itself */
  update?: Record<string, unknown>;
  /** As the attacker, inserts a row owned by `owner`; the kit asserts it is refused. Omit when the app role may not insert at all. */
  insertAsAttacker?: (tx: Tx, owner: PublicUser, attacker: PublicUser) => Promise<unknown>;
}

export interface LeakOptions {
  /** The role withRls switches to. @default "shared_db_app" */
  role?: string;
}

/** Thrown when another user (or no user) can see or change the owner's rows. */
export class LeakError extends Error {
  override name = "LeakError";
}

const refused = (e: unknown) => pgErrorOf(e)?.code === "42501";

/**
 * Proves a table leaks nothing: seeds rows for user A, then asserts that as user B and as no
 * user (also with the empty setting a pooled connection leaves behind) SELECT returns none of
 * them, UPDATE and DELETE touch none, INSERT of a row owned by A is refused, and that the
 * privileged connection still sees them all. `db` must be the privileged (service) connection.
 *
 * @example
 * await assertNoLeaks(db, {
 *   table: auditLogs,
 *   seed: async (db, a) => [(await appendAudit(db, { actorId: a.id, action: "x", entityType: "t" })).id],
 *   insertAsAttacker: (tx, a) => tx.insert(auditLogs).values({ actorId: a.id, action: "x", entityType: "t" }),
 * });
 */
export async function assertNoLeaks(db: Db, spec: LeakSpec, options: LeakOptions = {}): Promise<void> {
  const table = spec.table as PgTable & Record<string, PgColumn>;
  const key = spec.key ?? table.id;
  if (!key) throw new Error("assertNoLeaks: the table has no `id` column; pass `key`");
  const tag = randomUUID().slice(0, 8);
  const owner = await createUser(db, { email: `leak-owner-${tag}@example.test` });
  const attacker = await createUser(db, { email: `leak-attacker-${tag}@example.test` });
  const keys = await spec.seed(db, owner);
  if (keys.length === 0) throw new Error("assertNoLeaks: seed created no rows");
  const mine = inArray(key, keys);
  const failures: string[] = [];

  const asAttacker = <T>(fn: (tx: Tx) => Promise<T>) => withRls(db, { userId: attacker.id, role: options.role }, fn);
  const asNobody = <T>(fn: (tx: Tx) => Promise<T>) =>
    db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config('app.user_id', '', true), set_config('request.jwt.claims', '', true), set_config('role', ${options.role ?? APP_ROLE}, true)`,
      );
      return fn(tx);
    });

  // A permission error counts as touching nothing: the operation was refused.
  const touched = (rows: Promise<unknown[]>) =>
    rows.then(
      (r) => r.length,
      (e: unknown) => {
        if (refused(e)) return 0;
        throw e;
      },
    );
  const set = spec.update ?? { [propertyOf(spec.table, key)]: sql.raw(`"${key.name}"`) };
  for (const [who, run] of [
    ["another user", asAttacker],
    ["no user", asNobody],
  ] as const) {
    const seen = await touched(run((tx) => tx.select({ k: key }).from(table).where(mine)));
    if (seen > 0) failures.push(`${who} can SELECT ${seen} of the owner's rows`);
    const updated = await touched(
      run((tx) =>
        tx
          .update(table)
          .set(set as never)
          .where(mine)
          .returning({ k: key }),
      ),
    );
    if (updated > 0) failures.push(`${who} can UPDATE ${updated} of the owner's rows`);
    const deleted = await touched(run((tx) => tx.delete(table).where(mine).returning({ k: key })));
    if (deleted > 0) failures.push(`${who} can DELETE ${deleted} of the owner's rows`);
  }

  if (spec.insertAsAttacker) {
    const outcome = await asAttacker((tx) => spec.insertAsAttacker!(tx, owner, attacker)).then(
      () => "inserted",
      (e: unknown) => (refused(e) ? "refused" : `failed for another reason: ${(e as Error).message}`),
    );
    if (outcome !== "refused") failures.push(`another user's INSERT of a row owned by the owner was not refused by RLS (${outcome})`);
  }

  const [visible] = await db.select({ n: sql<number>`count(*)::int` }).from(table).where(mine);
  if (visible?.n !== keys.length) failures.push(`the privileged connection sees ${visible?.n} of ${keys.length} seeded rows`);

  if (failures.length > 0) {
    throw new LeakError(`${getTableName(spec.table)} leaks:\n- ${failures.join("\n- ")}`);
  }
}
