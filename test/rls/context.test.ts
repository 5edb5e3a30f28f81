import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rowsOf, type Db } from "../../src/db";
import { withRls } from "../../src";
import { twoUsers, useTestDb } from "../support/db";

const t = useTestDb();

/** shared_db.current_user_id() with these transaction-local settings. */
async function currentUserId(db: Db, settings: Record<string, string>): Promise<string | null> {
  return db.transaction(async (tx) => {
    for (const [name, value] of Object.entries(settings)) await tx.execute(sql`select set_config(${name}, ${value}, true)`);
    const [row] = rowsOf<{ id: string | null }>(await tx.execute(sql`select shared_db.current_user_id() as id`));
    return row!.id;
  });
}

const A = "0b6a4d2c-8e1f-4a3b-9c5d-7e6f8a9b0c1d";
const B = "1c7b5e3d-9f20-4b4c-8d6e-8f7a9b0c1d2e";

describe("shared_db.current_user_id()", () => {
  it("reads app.user_id", async () => {
    expect(await currentUserId(t.db, { "app.user_id": A })).toBe(A);
  });
  it("falls back to the sub of Supabase-style request.jwt.claims", async () => {
    expect(await currentUserId(t.db, { "request.jwt.claims": JSON.stringify({ sub: B, role: "authenticated" }) })).toBe(B);
  });
  it("prefers app.user_id over the claims", async () => {
    expect(await currentUserId(t.db, { "app.user_id": A, "request.jwt.claims": JSON.stringify({ sub: B }) })).toBe(A);
  });
  it("is NULL when nothing is set", async () => {
    expect(await currentUserId(t.db, {})).toBeNull();
  });
  it("treats the empty string a pooled connection leaves behind as NULL", async () => {
    expect(await currentUserId(t.db, { "app.user_id": "", "request.jwt.claims": "" })).toBeNull();
    expect(await currentUserId(t.db, { "app.user_id": "", "request.jwt.claims": JSON.stringify({ sub: B }) })).toBe(B);
  });
  it.each(["not-a-uuid", "' or 1=1 --", `${A}x`, "00000000-0000-0000-0000-00000000000g"])("gives NULL for the malformed id %j", async (bad) => {
    expect(await currentUserId(t.db, { "app.user_id": bad })).toBeNull();
    expect(await currentUserId(t.db, { "request.jwt.claims": JSON.stringify({ sub: bad }) })).toBeNull();
  });
  it("is a clear error, not another user's rows, for claims that are not JSON", async () => {
    await expect(currentUserId(t.db, { "request.jwt.claims": "{not json" })).rejects.toThrow();
  });
});

describe("the policy helpers (migration 0024)", () => {
  it("bind their names when created: a search_path set inside withRls cannot swap in another user's id", async () => {
    const [me, victim] = await twoUsers(t.db);
    // A schema the app role may create functions in, as Supabase's public schema often is.
    await t.db.execute(sql`create schema if not exists sdb_path_probe`);
    await t.db.execute(sql`grant usage, create on schema sdb_path_probe to shared_db_app`);
    try {
      const emails = await withRls(t.db, { userId: me.id }, async (tx) => {
        await tx.execute(
          sql.raw(`create function sdb_path_probe.current_setting(text, boolean) returns text language sql as $$ select '${victim.id}' $$`),
        );
        await tx.execute(sql`set local search_path = sdb_path_probe, pg_catalog`);
        return rowsOf<{ email: string }>(await tx.execute(sql`select email from shared_db.users`)).map((r) => r.email);
      });
      expect(emails).toEqual([me.email]);
    } finally {
      await t.db.execute(sql`drop schema sdb_path_probe cascade`);
    }
  });

  it("are never planned per call: current_user_id() inlines into the policy, the rest are plpgsql", async () => {
    const plan = rowsOf<Record<string, string>>(await t.db.execute(sql`explain (verbose, costs off) select (select shared_db.current_user_id())`))
      .map((r) => Object.values(r)[0])
      .join("\n");
    expect(plan).toContain("current_setting('app.user_id'");
    expect(plan).not.toContain("current_user_id()");
    // A LANGUAGE sql function with SET or SECURITY DEFINER cannot be inlined, so it is parsed and
    // planned again on every statement that calls it.
    const replanned = rowsOf<{ proname: string }>(
      await t.db.execute(sql`select p.proname from pg_proc p join pg_language l on l.oid = p.prolang
        where p.pronamespace = 'shared_db'::regnamespace and l.lanname = 'sql' and (p.prosecdef or p.proconfig is not null)
        order by 1`),
    );
    expect(replanned).toEqual([]);
  });
});
