import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db";
import { assertNoLeaks } from "../../src/testing";
import { useTestDb } from "../support/db";
import { leakSpecFor, leakSpecs } from "./leak-specs";

const t = useTestDb();

/** Every table of the shared_db schema, as the database itself lists them. */
async function catalogTables(): Promise<string[]> {
  const rows = rowsOf<{ name: string }>(
    await t.db.execute(sql`select c.relname as name from pg_catalog.pg_class c
      where c.relnamespace = 'shared_db'::regnamespace and c.relkind in ('r', 'p') order by 1`),
  );
  return rows.map((r) => r.name);
}

describe("leak kit, driven by the catalog", () => {
  it("every table in shared_db has a leak spec, and every spec names a table that exists", async () => {
    const tables = await catalogTables();
    expect(tables.length).toBeGreaterThan(0);
    expect({ withoutSpec: tables.filter((n) => !(n in leakSpecs)), stale: Object.keys(leakSpecs).filter((n) => !tables.includes(n)) }).toEqual({
      withoutSpec: [],
      stale: [],
    });
  });

  it.each(Object.keys(leakSpecs))("%s leaks nothing", async (table) => {
    // The privileged side is the login connection: on the server, the NOSUPERUSER NOBYPASSRLS owner.
    await assertNoLeaks(t.db, leakSpecFor(table));
  });
});
