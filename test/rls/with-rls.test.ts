import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createDb, RlsContextError, withRls } from "../../src";
import { ForbiddenError, LockTimeoutError, pgErrorOf } from "../../src/errors";
import { rowsOf, type Db, type Tx } from "../../src/db";
import * as schema from "../../src/schema";
import { auditLogs, userCredentials, users } from "../../src/schema";
import { appendAudit, getPasswordHash, getUserById, listAudit, updateProfile } from "../../src/stores";
import { assertNoLeaks, LeakError } from "../../src/testing";
import { makeUser, onServer, serverOnly, twoUsers, useTestDb } from "../support/db";

const t = useTestDb();
const one = async <T>(db: Db, query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query))[0]!;

describe("withRls", () => {
  it("scopes every statement to the user: own row and own audit entries only", async () => {
    const [a, b] = await twoUsers(t.db);
    await appendAudit(t.db, { actorId: b.id, action: "b-only", entityType: "t" });
    const seen = await withRls(t.db, { userId: a.id }, async (tx) => {
      await appendAudit(tx, { actorId: a.id, action: "mine", entityType: "t" });
      return { users: await tx.select({ id: users.id }).from(users), audit: await listAudit(tx) };
    });
    expect(seen.users).toEqual([{ id: a.id }]);
    expect(seen.audit.map((e) => e.action)).toEqual(["mine"]);
  });

  it("refuses an audit entry for another actor (WITH CHECK)", async () => {
    const [a, b] = await twoUsers(t.db);
    await expect(withRls(t.db, { userId: a.id }, (tx) => appendAudit(tx, { actorId: b.id, action: "x", entityType: "t" }))).rejects.toThrow();
    expect(await listAudit(t.db, { actorId: b.id })).toEqual([]);
  });

  it.each([
    [{ userId: "not-a-uuid" }, /userId/],
    [{ userId: "0b6a4d2c-8e1f-4a3b-9c5d-7e6f8a9b0c1d", role: "x; drop table users" }, /role/],
    [{ userId: "0b6a4d2c-8e1f-4a3b-9c5d-7e6f8a9b0c1d", extra: 1 }, /extra/],
    [{ userId: "0b6a4d2c-8e1f-4a3b-9c5d-7e6f8a9b0c1d", lockTimeout: -1 }, /lockTimeout/],
    [{ userId: "0b6a4d2c-8e1f-4a3b-9c5d-7e6f8a9b0c1d", lockTimeout: 1.5 }, /lockTimeout/],
  ])("rejects the bad context %j with a typed error before any SQL", async (ctx, field) => {
    let ran = false;
    const e = await withRls(t.db, ctx as never, async () => {
      ran = true;
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RlsContextError);
    expect((e as Error).message).toMatch(field);
    expect(ran).toBe(false);
  });

  it("bounds fn's lock waits: 5 s by default, lockTimeout to choose, 0 for none", async () => {
    const a = await makeUser(t.db);
    const lockTimeout = (ctx: { lockTimeout?: number }) =>
      withRls(t.db, { userId: a.id, ...ctx }, (tx) => one<{ v: string }>(tx, sql`select current_setting('lock_timeout') as v`));
    expect((await lockTimeout({})).v).toBe("5s");
    expect((await lockTimeout({ lockTimeout: 250 })).v).toBe("250ms");
    expect((await lockTimeout({ lockTimeout: 0 })).v).toBe("0");
    // Transaction-local: service work on the connection afterwards has the server's default.
    expect((await one<{ v: string }>(t.db, sql`select current_setting('lock_timeout') as v`)).v).toBe("0");
  });

  it.skipIf(!onServer)(
    `a row another session holds stalls the user for lockTimeout at most, then LockTimeoutError with nothing written${serverOnly}`,
    async () => {
      const a = await makeUser(t.db, "locked", { fullName: "before" });
      const holder = postgres(t.url!, { max: 1, onnotice: () => {} });
      try {
        await holder.begin(async (h) => {
          await h`select 1 from shared_db.users where id = ${a.id} for update`;
          const e = await withRls(t.db, { userId: a.id, lockTimeout: 200 }, (tx) => updateProfile(tx, { id: a.id, fullName: "after" })).catch(
            (x: unknown) => x,
          );
          expect(e).toBeInstanceOf(LockTimeoutError);
        });
      } finally {
        await holder.end();
      }
      expect((await getUserById(t.db, { id: a.id }))?.fullName).toBe("before");
    },
  );

  it("stores claims verbatim through parameters: an injection attempt is just a string", async () => {
    const a = await makeUser(t.db);
    const evil = `O'Brien"; drop table shared_db.users; --`;
    const claims = await withRls(t.db, { userId: a.id, claims: { name: evil, sub: "someone-else" } }, (tx) =>
      one<{ c: { name: string; sub: string } }>(tx, sql`select current_setting('request.jwt.claims')::jsonb as c`),
    );
    expect(claims.c).toEqual({ name: evil, sub: a.id });
    expect(await getUserById(t.db, { id: a.id })).toBeDefined();
  });

  it("surfaces the real error when setup fails, and nothing in fn runs unscoped", async () => {
    const a = await makeUser(t.db);
    const e = await withRls(t.db, { userId: a.id, role: "sdb_no_such_role" }, (tx) => tx.select().from(auditLogs)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RlsContextError);
    expect((e as Error).message).toMatch(/role "sdb_no_such_role" does not exist/);
  });

  it("throws a clear error when nested", async () => {
    const a = await makeUser(t.db);
    const e = await withRls(t.db, { userId: a.id }, (tx) => withRls(tx, { userId: a.id }, async () => 1)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RlsContextError);
    expect((e as Error).message).toMatch(/nested/);
    await expect(t.db.transaction((tx) => withRls(tx, { userId: a.id }, async () => 1))).rejects.toBeInstanceOf(RlsContextError);
  });

  it("leaves no context behind: the next transaction on the connection is unscoped", async () => {
    const a = await makeUser(t.db);
    await withRls(t.db, { userId: a.id }, (tx) => tx.select({ id: users.id }).from(users));
    const after = await t.db.transaction((tx) =>
      one<{ id: string | null; r: string }>(tx, sql`select shared_db.current_user_id() as id, current_user as r`),
    );
    expect(after.id).toBeNull();
    expect(after.r).not.toBe("shared_db_app");
  });

  it("works with a role the user names (e.g. Supabase's authenticated) once it is granted shared_db_app", async () => {
    const [a, b] = await twoUsers(t.db);
    const role = `sdb_authenticated_${randomBytes(4).toString("hex")}`;
    await t.db.execute(sql.raw(`create role ${role} nologin`));
    await t.db.execute(sql.raw(`grant shared_db_app to ${role}`));
    await t.db.execute(sql.raw(`grant ${role} to current_user`));
    try {
      const seen = await withRls(t.db, { userId: a.id, role }, async (tx) => ({
        who: await one<{ r: string }>(tx, sql`select current_user as r`),
        rows: await tx.select({ id: users.id }).from(users),
      }));
      expect(seen.who.r).toBe(role);
      expect(seen.rows).toEqual([{ id: a.id }]);
      void b;
    } finally {
      await t.db.execute(sql.raw(`drop role ${role}`)).catch(() => {});
    }
  });

  it("selects whole users rows as the application role, while the password hash stays unreadable and unwritable", async () => {
    const a = await makeUser(t.db, "hash", { passwordHash: "$argon2id$v=19$secret" });
    const b = await makeUser(t.db, "hash2", { passwordHash: "$argon2id$v=19$other" });
    const rows = await withRls(t.db, { userId: a.id }, (tx) => tx.select().from(users));
    expect(rows.map((r) => r.id)).toEqual([a.id]);
    expect(rows[0]).not.toHaveProperty("passwordHash");
    expect(await withRls(t.db, { userId: a.id }, (tx) => tx.query.users.findFirst({ where: eq(users.id, a.id) }))).toMatchObject({
      id: a.id,
      email: a.email,
    });
    // The hash lives in user_credentials, where the application role has no privilege at all.
    for (const attempt of [
      (tx: Tx) => tx.select().from(userCredentials),
      (tx: Tx) => tx.query.users.findFirst({ with: { credentials: true } }),
      (tx: Tx) => tx.update(userCredentials).set({ passwordHash: "forged" }).where(eq(userCredentials.userId, a.id)),
      (tx: Tx) => tx.insert(userCredentials).values({ userId: b.id, passwordHash: "forged" }).onConflictDoNothing(),
      (tx: Tx) => tx.delete(userCredentials).where(eq(userCredentials.userId, a.id)),
    ]) {
      const e = await withRls(t.db, { userId: a.id }, attempt).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ForbiddenError);
      expect(e).toMatchObject({ code: "forbidden", table: "user_credentials", message: expect.stringContaining("for table user_credentials") });
      expect(pgErrorOf(e)?.code).toBe("42501");
    }
    expect(await getPasswordHash(t.db, { id: a.id })).toBe("$argon2id$v=19$secret");
    expect(await getPasswordHash(t.db, { id: b.id })).toBe("$argon2id$v=19$other");
    await expect(withRls(t.db, { userId: a.id }, (tx) => tx.update(users).set({ isSuperuser: true }).where(eq(users.id, a.id)))).rejects.toThrow();
    await expect(
      withRls(t.db, { userId: a.id }, (tx) => tx.update(users).set({ email: "new@example.com" }).where(eq(users.id, a.id))),
    ).rejects.toThrow();
    expect(await getUserById(t.db, { id: a.id })).toMatchObject({ isSuperuser: false, email: a.email });
  });
});

describe("leak kit", () => {
  it("fails on a deliberately broken policy", async () => {
    await t.db.execute(sql`create policy broken_select_all on shared_db.audit_logs for select to shared_db_app using (true)`);
    try {
      const e = await assertNoLeaks(t.db, {
        table: auditLogs,
        seed: async (db, owner) => [(await appendAudit(db, { actorId: owner.id, action: "secret", entityType: "t" })).id],
      }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(LeakError);
      expect((e as Error).message).toMatch(/another user can SELECT 1 of the owner's rows/);
      expect((e as Error).message).toMatch(/no user can SELECT 1/);
    } finally {
      await t.db.execute(sql`drop policy broken_select_all on shared_db.audit_logs`);
    }
  });

  it("fails when a table is not forced and the attacker owns it", async () => {
    // A WITH CHECK hole: an insert policy that allows any actor.
    await t.db.execute(sql`create policy broken_insert_any on shared_db.audit_logs for insert to shared_db_app with check (true)`);
    try {
      const e = await assertNoLeaks(t.db, {
        table: auditLogs,
        seed: async (db, owner) => [(await appendAudit(db, { actorId: owner.id, action: "s", entityType: "t" })).id],
        insertAsAttacker: (tx, owner) => tx.insert(auditLogs).values({ actorId: owner.id, action: "forged", entityType: "t" }),
      }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(LeakError);
      expect((e as Error).message).toMatch(/INSERT of a row owned by the owner was not refused/);
    } finally {
      await t.db.execute(sql`drop policy broken_insert_any on shared_db.audit_logs`);
    }
  });
});

describe("roles on the server", () => {
  it.skipIf(!onServer)(`the owner is subject to its own policies (FORCE): without the service role it sees nothing${serverOnly}`, async () => {
    await makeUser(t.db);
    // In a transaction that is rolled back, so the membership comes back.
    const result = await new Promise<{ before: number; after: number }>((resolve, reject) => {
      const client = postgres(t.url!, { max: 1 });
      client
        .begin(async (sqlc) => {
          const [b] = await sqlc`select count(*)::int as n from shared_db.users`;
          await sqlc`revoke shared_db_service from current_user`;
          const [a] = await sqlc`select count(*)::int as n from shared_db.users`;
          resolve({ before: b!.n, after: a!.n });
          throw new Error("rollback");
        })
        .catch(() => {})
        .finally(() => client.end())
        .catch(reject);
    });
    expect(result.before).toBeGreaterThan(0);
    expect(result.after).toBe(0);
  });

  it.skipIf(!onServer)(`a login role that is neither the service role nor in withRls sees nothing, even with grants${serverOnly}`, async () => {
    await makeUser(t.db);
    const role = `sdb_plain_${randomBytes(4).toString("hex")}`;
    await t.db.execute(sql.raw(`create role ${role} login password 'pw'`));
    await t.db.execute(sql.raw(`grant usage on schema shared_db to ${role}`));
    await t.db.execute(sql.raw(`grant select on shared_db.users, shared_db.audit_logs to ${role}`));
    const url = new URL(t.url!);
    url.username = role;
    url.password = "pw";
    const other = await createDb({ url: url.toString(), max: 1 });
    try {
      expect(await one<{ n: number }>(other.db, sql`select count(*)::int as n from shared_db.users`)).toEqual({ n: 0 });
      expect(await one<{ n: number }>(other.db, sql`select count(*)::int as n from shared_db.audit_logs`)).toEqual({ n: 0 });
    } finally {
      await other.close();
      await t.db.execute(sql.raw(`revoke all on shared_db.users, shared_db.audit_logs from ${role}`));
      await t.db.execute(sql.raw(`revoke usage on schema shared_db from ${role}`));
      await t.db.execute(sql.raw(`drop role ${role}`));
    }
  });

  it.skipIf(!onServer)(`works through a node-postgres handle${serverOnly}`, async () => {
    const [a] = await twoUsers(t.db);
    const pool = new pg.Pool({ connectionString: t.url, max: 2 });
    try {
      const db = drizzleNodePg(pool, { schema });
      const rows = await withRls(db, { userId: a.id }, (tx) => tx.select({ id: users.id }).from(users));
      expect(rows).toEqual([{ id: a.id }]);
      const found = await withRls(db, { userId: a.id }, (tx) => tx.query.users.findMany({ columns: { id: true } }));
      expect(found).toEqual([{ id: a.id }]);
    } finally {
      await pool.end();
    }
  });

  it.skipIf(!onServer)(`a pooled connection's leftover empty setting never widens access${serverOnly}`, async () => {
    const [a] = await twoUsers(t.db);
    const single = await createDb({ url: t.url, max: 1 });
    try {
      await withRls(single.db, { userId: a.id }, (tx) => tx.select({ id: users.id }).from(users));
      // Same connection: app.user_id now reads '' outside the transaction that set it.
      const seen = await single.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('role', 'shared_db_app', true)`);
        return {
          setting: await one<{ v: string | null }>(tx, sql`select current_setting('app.user_id', true) as v`),
          rows: await tx.select({ id: users.id }).from(users),
        };
      });
      expect(seen.setting.v).toBe("");
      expect(seen.rows).toEqual([]);
    } finally {
      await single.close();
    }
  });
});
