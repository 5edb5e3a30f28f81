// Issue 27, items 1 and 2: what a user leaves on a pooled connection inside withRls (session
// settings, session-level advisory locks, temporary objects) is gone when withRls returns or throws.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, withRls, type DbHandle } from "../../src";
import { rowsOf, type Db, type Tx } from "../../src/db";
import { SharedDbError } from "../../src/errors";
import type { PublicUser } from "../../src/stores";
import { onHostOf } from "../../src/testing/database";
import { caught } from "../support/errors";
import { makeUser, onServer, useTestDb } from "../support/db";

const t = useTestDb();
const one = async <T>(db: Db, query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query))[0]!;

/** Everything this connection carries that a user could have left, read as the login. */
const connectionState = (db: Db) =>
  one<Record<string, string | number | null>>(
    db,
    sql`select current_user as role, current_setting('statement_timeout') as statement_timeout,
      current_setting('lock_timeout') as lock_timeout, current_setting('search_path') as search_path,
      coalesce(current_setting('app.user_id', true), '') as user_id, coalesce(current_setting('x.left', true), '') as left_setting,
      (select count(*)::int from pg_catalog.pg_locks where locktype = 'advisory' and pid = pg_catalog.pg_backend_pid()) as advisory_locks,
      (select count(*)::int from pg_catalog.pg_class where relnamespace = pg_catalog.pg_my_temp_schema()) as temp_tables`,
  );

/** What the user leaves at session level, raw SQL on the tx. */
async function leaveState(tx: Tx) {
  await tx.execute(sql`set statement_timeout = 123456`);
  await tx.execute(sql`set search_path = public`);
  await tx.execute(sql`select set_config('x.left', 'planted', false)`);
  await tx.execute(sql`select pg_advisory_lock(42), pg_advisory_lock_shared(43)`);
  await tx.execute(sql`create temp table left_behind (x int)`);
}

let user: PublicUser;
let single: DbHandle;
/** The connection as the login left it before any withRls. */
let before: Record<string, string | number | null>;
let db: string;

beforeAll(async () => {
  user = await makeUser(t.db, "pooled");
  // One connection, so every statement below runs where the user left their state. A startup
  // option stands for a host's own: RESET ALL must keep it.
  single = onServer ? await createDb({ url: `${t.url}?lock_timeout=4321`, max: 1 }) : { db: t.db, driver: "pglite", close: async () => {} };
  before = await connectionState(single.db);
  db = (await one<{ d: string }>(t.db, sql`select current_database() as d`)).d;
  // As on a database that migrate did not own: the user may create temporary objects.
  await t.db.execute(sql.raw(`grant temporary on database "${db}" to shared_db_app`));
});
afterAll(async () => {
  await t.db.execute(sql.raw(`revoke temporary on database "${db}" from shared_db_app`));
  await single.close();
});

describe("a pooled connection after withRls (issue 27)", () => {
  it("keeps the host's startup options", () => {
    if (onServer) expect(before.lock_timeout).toBe("4321ms");
    expect(before.advisory_locks).toBe(0);
  });

  it("carries no setting, advisory lock or temporary table of the user after fn returns", async () => {
    await withRls(single.db, { userId: user.id }, leaveState);
    expect(await connectionState(single.db)).toEqual(before);
  });

  it("carries none after fn's statement fails and the transaction is aborted (a rollback keeps session advisory locks)", async () => {
    const e = await caught(
      withRls(single.db, { userId: user.id }, async (tx) => {
        await leaveState(tx);
        await tx.execute(sql`select 1 / 0`);
      }),
    );
    expect(e).toBeInstanceOf(SharedDbError); // typed (division by zero: a ValidationError)
    expect(await connectionState(single.db)).toEqual(before);
  });

  it("carries none after fn throws without a database error", async () => {
    const e = await caught(
      withRls(single.db, { userId: user.id }, async (tx) => {
        await leaveState(tx);
        throw new Error("fn gave up");
      }),
    );
    expect((e as Error).message).toBe("fn gave up");
    expect(await connectionState(single.db)).toEqual(before);
  });

  it("carries none after fn ends the transaction itself and leaves state outside it", async () => {
    await withRls(single.db, { userId: user.id }, async (tx) => {
      await tx.execute(sql`commit`);
      await leaveState(tx);
    });
    expect(await connectionState(single.db)).toEqual(before);
  });
});

// scripts/pgbouncer.sh: transaction mode, 2 server connections per database and user.
const pooler = process.env.PGBOUNCER_URL;
const noPooler = !pooler || !onServer;

describe.skipIf(noPooler)(
  `through PgBouncer in transaction mode (issue 27)${noPooler ? " (skipped: needs PGBOUNCER_URL and DATABASE_URL)" : ""}`,
  () => {
    it("20 concurrent users leave state, half of them ending in an aborted transaction: none of it is on the server connections after", async () => {
      const pooled = await createDb({ url: onHostOf(t.url!, pooler!), max: 10, pooler: "transaction" });
      try {
        const clean = await connectionState(pooled.db);
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            caught(
              withRls(pooled.db, { userId: user.id }, async (tx) => {
                await leaveState(tx);
                if (i % 2) await tx.execute(sql`select 1 / 0`);
              }),
            ),
          ),
        );
        expect(outcomes.filter((e) => e instanceof SharedDbError)).toHaveLength(10);
        // Concurrent, so every server connection of the pool answers.
        const after = await Promise.all(Array.from({ length: 10 }, () => pooled.db.transaction((tx) => connectionState(tx))));
        for (const state of after) expect(state).toEqual(clean);
        const [locks] = rowsOf<{ n: number }>(
          await t.db.execute(sql`select count(*)::int as n from pg_catalog.pg_locks where locktype = 'advisory'
          and database = (select oid from pg_catalog.pg_database where datname = current_database())`),
        );
        expect(locks!.n).toBe(0);
      } finally {
        await pooled.close();
      }
    });
  },
);
