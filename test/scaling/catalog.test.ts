import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db";
import { useTestDb } from "../support/db";

const t = useTestDb();

/** Distributed tables and their keys, read from docs/scaling.md so the document and the test agree. */
function distributed(): Map<string, string> {
  const doc = readFileSync(new URL("../../docs/scaling.md", import.meta.url), "utf8");
  const map = new Map<string, string>();
  for (const line of doc.split("\n")) {
    const m = /^\| ([a-z_, ]+) \| ([a-z_]+) \|/.exec(line);
    if (!m || m[2] === "reference" || m[1] === "table") continue;
    for (const table of m[1]!.split(",").map((s) => s.trim())) map.set(table, m[2]!);
  }
  return map;
}
/** Constraints docs/scaling.md lists as still lacking their tenant key. */
function knownGaps(): string[] {
  const doc = readFileSync(new URL("../../docs/scaling.md", import.meta.url), "utf8");
  return [...doc.matchAll(/^- `([a-z_]+)` \(gap\)/gm)].map((m) => m[1]!).sort();
}
const GLOBAL_BY_NATURE = new Set(["teams_slug_key", "slack_workspaces_slack_id_key"]);

describe("sharding-ready keys", () => {
  it("every distributed table has its key, and every unique constraint on it includes the key", async () => {
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
      expect(columns.some((c) => c.table === table && c.column === key), `${table}.${key} exists`).toBe(true);
      for (const constraint of rows.filter((r) => r.table === table)) {
        // Primary keys are uuid `id` alone (see docs/scaling.md); every other unique key must include the tenant key.
        if (GLOBAL_BY_NATURE.has(constraint.name) || constraint.name.endsWith("_pkey")) continue;
        if (!constraint.columns.includes(key)) missing.push(constraint.name);
      }
    }
    // Known gaps, listed in docs/scaling.md: a new constraint without its tenant key fails here.
    expect(missing.sort()).toEqual(knownGaps());
  });
});
