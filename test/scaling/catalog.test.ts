import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db";
import { useTestDb } from "../support/db";

const t = useTestDb();

/** Distributed tables and their keys, read from docs/scaling.md so the document and the test agree. */
function distributed(): Map<string, string> {
  const doc = readFileSync(new URL("../../docs/scaling.md", import.meta.url), "utf8");
  const section = doc.slice(doc.indexOf("## Sharding"), doc.indexOf("\n## ", doc.indexOf("## Sharding") + 1));
  const map = new Map<string, string>();
  for (const line of section.split("\n")) {
    const m = /^\| ([a-z_, ]+) \| ([a-z_]+) \|/.exec(line);
    if (!m || m[2] === "reference" || m[1] === "table") continue;
    for (const table of m[1]!.split(",").map((s) => s.trim())) map.set(table, m[2]!);
  }
  return map;
}
/** Foreign keys docs/scaling.md lists as crossing tenants on purpose (a grant to another team). */
function crossTenant(): string[] {
  const doc = readFileSync(new URL("../../docs/scaling.md", import.meta.url), "utf8");
  return [...doc.matchAll(/^- `([a-z_]+)` \(cross-tenant\)/gm)].map((m) => m[1]!).sort();
}
const GLOBAL_BY_NATURE = new Set(["teams_slug_key", "slack_workspaces_slack_id_key"]);

describe("sharding-ready keys", () => {
  it("every distributed table has its key, and its primary key and every unique constraint include it", async () => {
    const tables = distributed();
    expect(tables.size).toBeGreaterThan(15);
    const rows = rowsOf<{ table: string; name: string; columns: string[] }>(
      await t.db.execute(sql`
        select c.relname as table, k.conname as name, array_agg(a.attname::text) as columns
        from pg_constraint k join pg_class c on c.oid = k.conrelid
        join pg_attribute a on a.attrelid = c.oid and a.attnum = any (k.conkey)
        where c.relnamespace = 'shared_db'::regnamespace and k.contype in ('u', 'p')
        group by 1, 2`),
    );
    const columns = rowsOf<{ table: string; column: string }>(
      await t.db.execute(sql`select table_name as table, column_name as column from information_schema.columns where table_schema = 'shared_db'`),
    );
    const missing: string[] = [];
    for (const [table, key] of tables) {
      expect(
        columns.some((c) => c.table === table && c.column === key),
        `${table}.${key} exists`,
      ).toBe(true);
      for (const constraint of rows.filter((r) => r.table === table)) {
        // Primary keys too: Citus needs the distribution column in every unique key.
        if (GLOBAL_BY_NATURE.has(constraint.name)) continue;
        if (!constraint.columns.includes(key)) missing.push(constraint.name);
      }
    }
    expect(missing.sort()).toEqual([]);
  });

  it("every foreign key between distributed tables maps the child's tenant key to the parent's", async () => {
    const tables = distributed();
    const fks = rowsOf<{ name: string; child: string; parent: string; pairs: string[] }>(
      await t.db.execute(sql`
        select k.conname as name, c.relname as child, p.relname as parent,
          array(select ca.attname || '=' || pa.attname from unnest(k.conkey, k.confkey) as u(ck, pk)
            join pg_attribute ca on ca.attrelid = k.conrelid and ca.attnum = u.ck
            join pg_attribute pa on pa.attrelid = k.confrelid and pa.attnum = u.pk) as pairs
        from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
        where k.contype = 'f' and c.relnamespace = 'shared_db'::regnamespace`),
    );
    const between = fks.filter((fk) => tables.has(fk.child) && tables.has(fk.parent));
    expect(between.length).toBeGreaterThan(25);
    const crossing = between.filter((fk) => !fk.pairs.includes(`${tables.get(fk.child)}=${tables.get(fk.parent)}`)).map((fk) => fk.name);
    expect(crossing.sort()).toEqual(crossTenant());
  });
});
