import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { appRlsSql, enableAppRls, ValidationError, withRls } from "../../src";
import { rowsOf } from "../../src/db";
import { pgErrorOf } from "../../src/errors";
import { twoUsers, useTestDb } from "../support/db";

const t = useTestDb();
const notes = async () => rowsOf<{ user_id: string; body: string }>(await t.db.execute(sql`select user_id, body from my_app.notes order by body`));

describe("an application's own RLS table (shared-db-rls.md)", () => {
  it("the seed's pattern: a table referencing shared users, each user sees and writes only their rows under withRls", async () => {
    const [alice, bob] = await twoUsers(t.db);
    await t.db.execute(sql`CREATE SCHEMA IF NOT EXISTS my_app`);
    await t.db.execute(sql`CREATE TABLE my_app.notes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES shared_db.users(id) ON DELETE CASCADE,
      body text NOT NULL)`);
    // Without the helper: what the seed's README leads to.
    const before = await withRls(t.db, { userId: alice.id }, (tx) => tx.execute(sql`select * from my_app.notes`)).catch((e: unknown) => e);
    expect(pgErrorOf(before)?.code).toBe("42501");

    await enableAppRls(t.db, { schema: "my_app", table: "notes" });
    await enableAppRls(t.db, { schema: "my_app", table: "notes" }); // idempotent
    await withRls(t.db, { userId: alice.id }, (tx) => tx.execute(sql`insert into my_app.notes (user_id, body) values (${alice.id}, 'a1')`));
    await withRls(t.db, { userId: bob.id }, (tx) => tx.execute(sql`insert into my_app.notes (user_id, body) values (${bob.id}, 'b1')`));
    const seen = await withRls(t.db, { userId: alice.id }, async (tx) =>
      rowsOf<{ body: string }>(await tx.execute(sql`select body from my_app.notes`)),
    );
    expect(seen).toEqual([{ body: "a1" }]);

    // Attacks, as bob: write a row for alice, rewrite or delete hers. Refused or no effect.
    const forged = await withRls(t.db, { userId: bob.id }, (tx) =>
      tx.execute(sql`insert into my_app.notes (user_id, body) values (${alice.id}, 'forged')`),
    ).catch((e: unknown) => e);
    expect(pgErrorOf(forged)?.code).toBe("42501");
    await withRls(t.db, { userId: bob.id }, async (tx) => {
      await tx.execute(sql`update my_app.notes set body = 'hijacked' where user_id = ${alice.id}`);
      await tx.execute(sql`delete from my_app.notes where user_id = ${alice.id}`);
    });
    const moved = await withRls(t.db, { userId: bob.id }, (tx) =>
      tx.execute(sql`update my_app.notes set user_id = ${alice.id} where user_id = ${bob.id}`),
    ).catch((e: unknown) => e);
    expect(pgErrorOf(moved)?.code).toBe("42501");
    // Service work (the login, outside withRls) sees every row; nothing changed.
    expect(await notes()).toEqual([
      { user_id: alice.id, body: "a1" },
      { user_id: bob.id, body: "b1" },
    ]);
  });

  it("userAccess narrows what users may do, and a re-run takes privileges away", async () => {
    const [alice] = await twoUsers(t.db);
    await t.db.execute(
      sql`CREATE TABLE my_app.readings (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), owner_id uuid NOT NULL REFERENCES shared_db.users(id), v int)`,
    );
    await enableAppRls(t.db, { schema: "my_app", table: "readings", userColumn: "owner_id" });
    await enableAppRls(t.db, { schema: "my_app", table: "readings", userColumn: "owner_id", userAccess: ["select"] });
    await t.db.execute(sql`insert into my_app.readings (owner_id, v) values (${alice.id}, 1)`);
    const read = await withRls(t.db, { userId: alice.id }, async (tx) => rowsOf<{ v: number }>(await tx.execute(sql`select v from my_app.readings`)));
    expect(read).toEqual([{ v: 1 }]);
    const write = await withRls(t.db, { userId: alice.id }, (tx) =>
      tx.execute(sql`insert into my_app.readings (owner_id, v) values (${alice.id}, 2)`),
    ).catch((e: unknown) => e);
    expect(pgErrorOf(write)?.code).toBe("42501");
    expect(rowsOf(await t.db.execute(sql`select v from my_app.readings`))).toEqual([{ v: 1 }]);
  });

  it("validates names before any SQL, and prints migration text", () => {
    expect(() => appRlsSql({ schema: "shared_db", table: "x" })).toThrow(ValidationError);
    expect(() => appRlsSql({ schema: "my_app", table: 'x"; drop table y; --' })).toThrow(ValidationError);
    const text = appRlsSql({ schema: "my_app", table: "notes" });
    expect(text).toContain(
      'CREATE POLICY "notes_select_own" ON "my_app"."notes" FOR SELECT TO shared_db_app USING ("user_id" = (SELECT shared_db.current_user_id()))',
    );
    expect(text).toContain("--> statement-breakpoint");
  });
});
