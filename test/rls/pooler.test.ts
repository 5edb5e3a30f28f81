import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, withRls, type DbHandle } from "../../src";
import { rowsOf } from "../../src/db";
import { users } from "../../src/schema";
import { appendAudit, listAudit, type PublicUser } from "../../src/stores";
import { createTestDatabase } from "../../src/testing";
import { onHostOf } from "../../src/testing/database";
import { makeUser, useTestDb } from "../support/db";

// Runs through PgBouncer in transaction pooling mode (scripts/pgbouncer.sh, started by .ci/run).
const pooler = process.env.PGBOUNCER_URL;
const skip = !pooler || !process.env.DATABASE_URL;
const t = useTestDb();
let pooled: DbHandle;
let people: PublicUser[] = [];

describe.skipIf(skip)(
  `withRls through PgBouncer (transaction mode, 2 server connections)${skip ? " (skipped: needs PGBOUNCER_URL and DATABASE_URL)" : ""}`,
  () => {
    beforeAll(async () => {
      // The test database and its (non-superuser) role, through PgBouncer.
      pooled = await createDb({ url: onHostOf(t.url!, pooler!), max: 50, pooler: "transaction" });
      people = await Promise.all(Array.from({ length: 50 }, (_, i) => makeUser(t.db, `pooled${i}`)));
      for (const p of people) await appendAudit(t.db, { actorId: p.id, action: `mine-${p.id}`, entityType: "t" });
    });
    afterAll(async () => {
      await pooled?.close();
    });

    it("50 concurrent callers for 50 users each see only their own rows", async () => {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          people.map((p) =>
            withRls(pooled.db, { userId: p.id }, async (tx) => {
              const [ctx] = rowsOf<{ id: string; backend: number }>(
                await tx.execute(sql`select shared_db.current_user_id() as id, pg_backend_pid() as backend, pg_sleep(0.002)`),
              );
              return { p, ctx: ctx!, rows: await tx.select({ id: users.id }).from(users), audit: await listAudit(tx) };
            }),
          ),
        );
        expect(new Set(results.map((r) => r.ctx.backend)).size).toBeLessThanOrEqual(2);
        for (const r of results) {
          expect(r.ctx.id).toBe(r.p.id);
          expect(r.rows).toEqual([{ id: r.p.id }]);
          expect(r.audit.map((e) => e.action)).toEqual([`mine-${r.p.id}`]);
        }
      }
    });

    it("a server connection's leftover settings never widen access for the next transaction", async () => {
      await Promise.all(people.slice(0, 10).map((p) => withRls(pooled.db, { userId: p.id }, (tx) => tx.select({ id: users.id }).from(users))));
      const seen = await Promise.all(
        Array.from({ length: 10 }, () =>
          pooled.db.transaction(async (tx) => {
            await tx.execute(sql`select set_config('role', 'shared_db_app', true)`);
            return tx.select({ id: users.id }).from(users);
          }),
        ),
      );
      for (const rows of seen) expect(rows).toEqual([]);
    });
  },
);

describe.skipIf(skip)(`createTestDatabase({ poolerUrl })${skip ? " (skipped: needs PGBOUNCER_URL and DATABASE_URL)" : ""}`, () => {
  it("hands out a db that goes through the pooler, so a whole suite can run pooled", async () => {
    const pooledTest = await createTestDatabase({ poolerUrl: pooler });
    try {
      const busy = () => pooledTest.db.execute(sql`select pg_backend_pid() as backend, pg_sleep(0.05)`);
      const backends = (await Promise.all(Array.from({ length: 8 }, busy))).map((r) => rowsOf<{ backend: number }>(r)[0]!.backend);
      // 8 concurrent clients share PgBouncer's 2 server connections for this database and role.
      expect(new Set(backends).size).toBeLessThanOrEqual(2);
      await makeUser(pooledTest.db, "pooled-suite");
    } finally {
      await pooledTest.close();
    }
  });
});
