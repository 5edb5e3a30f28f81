import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { appRlsSql, enableAppRls, ValidationError, withRls } from "../../src";
import { rowsOf } from "../../src/db";
import { pgErrorOf } from "../../src/errors";
import { twoUsers, useTestDb } from "../support/db";

const t = useTestDb();
const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const ascii = (n: number) => `notes_${"x".repeat(n - 6)}`;
// 63 bytes in 32 characters (ü is two bytes, 語 three): a cut by bytes can fall inside a character.
const multibyte = `n${"ü".repeat(28)}語_ü`;

const policies = async (table: string) =>
  rowsOf<{ policyname: string; cmd: string }>(
    await t.db.execute(sql`select policyname, cmd from pg_policies where schemaname = 'my_app' and tablename = ${table} order by cmd`),
  );
const createTable = async (table: string) => {
  await t.db.execute(sql`CREATE SCHEMA IF NOT EXISTS my_app`);
  await t.db.execute(sql`CREATE TABLE my_app.${sql.identifier(table)} (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid NOT NULL REFERENCES shared_db.users(id), body text NOT NULL)`);
};

/** Every policy exists and works: each user sees and writes only their rows, service work sees all. */
async function expectWorkingRls(table: string) {
  const names = (await policies(table)).map((p) => p.policyname);
  expect((await policies(table)).map((p) => p.cmd)).toEqual(["ALL", "DELETE", "INSERT", "SELECT", "UPDATE"]);
  expect(new Set(names).size).toBe(5);
  // Each name as appRlsSql wrote it: Postgres truncated none.
  for (const name of names) expect(appRlsSql({ schema: "my_app", table })).toContain(`CREATE POLICY "${name}"`);
  const [alice, bob] = await twoUsers(t.db);
  const tbl = sql`my_app.${sql.identifier(table)}`;
  for (const u of [alice, bob])
    await withRls(t.db, { userId: u.id }, (tx) => tx.execute(sql`insert into ${tbl} (user_id, body) values (${u.id}, ${u.id})`));
  const seen = await withRls(t.db, { userId: alice.id }, async (tx) => rowsOf<{ body: string }>(await tx.execute(sql`select body from ${tbl}`)));
  expect(seen).toEqual([{ body: alice.id }]);
  const forged = await withRls(t.db, { userId: bob.id }, (tx) =>
    tx.execute(sql`insert into ${tbl} (user_id, body) values (${alice.id}, 'forged')`),
  ).catch((e: unknown) => e);
  expect(pgErrorOf(forged)?.code).toBe("42501");
  await withRls(t.db, { userId: bob.id }, (tx) => tx.execute(sql`delete from ${tbl} where user_id = ${alice.id}`));
  const all = rowsOf<{ body: string }>(await t.db.execute(sql`select body from ${tbl} order by body`));
  expect(all.map((r) => r.body)).toEqual([alice.id, bob.id].sort());
}

describe("enableAppRls on long table names (issue 34, item 6)", () => {
  it.each([
    { size: 52, table: ascii(52), why: "only the service policy's name was too long" },
    { size: 60, table: ascii(60), why: "the service and select policies' names collided" },
    { size: 62, table: ascii(62), why: "the service and select policies' names collided" },
    { size: 63, table: ascii(63), why: "every name collided: only DELETE was left" },
    { size: 63, table: multibyte, why: "32 characters, most of them multibyte" },
  ])("a table name of $size bytes ($why) gets five distinct policies that work, again on a re-run", async ({ size, table }) => {
    expect(bytes(table)).toBe(size);
    await createTable(table);
    await enableAppRls(t.db, { schema: "my_app", table });
    await expectWorkingRls(table);
    const first = await policies(table);
    await enableAppRls(t.db, { schema: "my_app", table });
    expect(await policies(table)).toEqual(first);
  });

  it("a re-run over the truncated policies an earlier version left (60 bytes: four of five) replaces them", async () => {
    const table = `legacy_${"y".repeat(53)}`;
    await createTable(table);
    // What the earlier version ran: Postgres cut each name at 63 bytes, so select replaced service.
    const tbl = sql`my_app.${sql.identifier(table)}`;
    for (const [suffix, body] of [
      ["service_all", sql`FOR ALL TO shared_db_service USING ((SELECT shared_db.is_service()))`],
      ["select_own", sql`FOR SELECT TO shared_db_app USING (user_id = (SELECT shared_db.current_user_id()))`],
      ["insert_own", sql`FOR INSERT TO shared_db_app WITH CHECK (user_id = (SELECT shared_db.current_user_id()))`],
      ["update_own", sql`FOR UPDATE TO shared_db_app USING (user_id = (SELECT shared_db.current_user_id()))`],
      ["delete_own", sql`FOR DELETE TO shared_db_app USING (user_id = (SELECT shared_db.current_user_id()))`],
    ] as const) {
      const name = sql.identifier(`${table}_${suffix}`.slice(0, 63));
      await t.db.execute(sql`DROP POLICY IF EXISTS ${name} ON ${tbl}`);
      await t.db.execute(sql`CREATE POLICY ${name} ON ${tbl} ${body}`);
    }
    expect((await policies(table)).map((p) => p.cmd)).toEqual(["DELETE", "INSERT", "SELECT", "UPDATE"]);
    await enableAppRls(t.db, { schema: "my_app", table });
    await expectWorkingRls(table);
  });

  it("short names keep their policy names, a long one keeps a readable prefix and its command, a name Postgres would cut is refused", () => {
    const text = appRlsSql({ schema: "my_app", table: ascii(51) });
    for (const suffix of ["service_all", "select_own", "insert_own", "update_own", "delete_own"])
      expect(text).toContain(`CREATE POLICY "${ascii(51)}_${suffix}"`);
    const long = appRlsSql({ schema: "my_app", table: ascii(63) });
    const names = [...long.matchAll(/CREATE POLICY "([^"]+)"/g)].map((m) => m[1]!);
    expect(names).toHaveLength(5);
    for (const name of names) {
      expect(bytes(name)).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^notes_x+_[0-9a-f]{8}_(service_all|(select|insert|update|delete)_own)$/);
    }
    // A name Postgres would cut (64 bytes) is refused, naming the field.
    expect(() => appRlsSql({ schema: "my_app", table: `${multibyte}x` })).toThrow(expect.objectContaining({ code: "validation", field: "table" }));
    expect(() => appRlsSql({ schema: "my_app", table: "Notes" })).toThrow(ValidationError);
  });
});
