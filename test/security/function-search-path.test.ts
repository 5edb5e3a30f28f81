// Issue 27, item 1: every function of the schema runs with search_path = pg_catalog, pg_temp, read
// from the catalog, so a function a later migration adds or replaces without it fails here.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { functionsWithoutPinnedPath, verifyDatabase } from "../../src/cli/verify";
import { rowsOf } from "../../src/db";
import { useTestDb } from "../support/db";

const t = useTestDb();

describe("search_path of the shared_db functions (issue 27, item 1)", () => {
  it("every function pins pg_catalog first and pg_temp last", async () => {
    expect(await functionsWithoutPinnedPath(t.db)).toEqual([]);
  });

  it("exempts only BEGIN ATOMIC bodies, which bind their names when created and must stay inlinable", async () => {
    const exempt = rowsOf<{ f: string; config: string[] | null }>(
      await t.db.execute(sql`select p.oid::regprocedure::text as f, p.proconfig as config from pg_catalog.pg_proc p
        where p.pronamespace = 'shared_db'::regnamespace and p.prosqlbody is not null order by 1`),
    );
    // A SET clause would stop the planner from inlining current_user_id() into every policy.
    expect(exempt).toEqual([
      { f: "shared_db.acts_for_users()", config: null },
      { f: "shared_db.current_user_id()", config: null },
    ]);
  });

  it("names a function that loses the pinned path, and verify fails on it", async () => {
    const found = await t.db
      .transaction(async (tx) => {
        await tx.execute(sql`alter function shared_db.my_team_ids(shared_db.team_member_role) set search_path = ''`);
        await tx.execute(sql`alter function shared_db.set_updated_at() reset search_path`);
        // Another SET clause beside the pinned path is the function's own business.
        await tx.execute(sql`alter function shared_db.takes_part_in(uuid) set lock_timeout = '5s'`);
        const unpinned = await functionsWithoutPinnedPath(tx);
        const check = (await verifyDatabase(tx)).find((c) => c.name.includes("search_path = pg_catalog, pg_temp"));
        throw Object.assign(new Error("rollback"), { unpinned, check });
      })
      .catch((e: { unpinned?: string[]; check?: unknown }) => e);
    expect(found.unpinned).toEqual(["shared_db.my_team_ids(shared_db.team_member_role)", "shared_db.set_updated_at()"]);
    expect(found.check).toMatchObject({ ok: false, detail: expect.stringContaining("shared_db.my_team_ids(shared_db.team_member_role) does not") });
    expect(await functionsWithoutPinnedPath(t.db)).toEqual([]);
  });
});
