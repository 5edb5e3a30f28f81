import { is, sql } from "drizzle-orm";
import { getTableConfig, PgRole, PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src";
import { rowsOf, type Db } from "../../src/db";
import { applyMigrations, readMigrations } from "../../src/migrate";
import * as schema from "../../src/schema";
import { createTestDatabase, type TestDatabase } from "../../src/testing";

/** The last migration whose policies were hand-written SQL; the next one generates them from the schema. */
const LAST_SQL_POLICIES = "0022_contribution_viewer_complete";

/** Every policy as the catalog has it: what a policy does, not how its SQL was spelled. */
async function policies(db: Db) {
  return rowsOf<Record<string, unknown>>(
    await db.execute(sql`select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
      from pg_policies order by schemaname, tablename, policyname`),
  );
}

async function rowSecurity(db: Db) {
  return rowsOf<Record<string, unknown>>(
    await db.execute(sql`select relname, relrowsecurity, relforcerowsecurity from pg_class
      where relnamespace = 'shared_db'::regnamespace and relkind = 'r' order by relname`),
  );
}

describe("policies declared in the schema (migration 0023)", () => {
  let fresh: TestDatabase;
  let before: Record<string, unknown>[];
  let rlsBefore: Record<string, unknown>[];
  let applied: string[];
  beforeAll(async () => {
    fresh = await createTestDatabase({ migrate: false });
    const migrations = readMigrations();
    const upTo = migrations.findIndex((m) => m.tag === LAST_SQL_POLICIES);
    await applyMigrations(fresh.db, migrations.slice(0, upTo + 1));
    before = await policies(fresh.db);
    rlsBefore = await rowSecurity(fresh.db);
    ({ applied } = await migrate(fresh.db));
  }, 120_000);
  afterAll(async () => {
    await fresh?.close();
  });

  it("changes no policy of a database migrated to 0022: same names, commands, roles and expressions", async () => {
    expect(applied[0]).toBe("0023_policies_in_schema");
    expect(before.length).toBeGreaterThan(0);
    expect(await policies(fresh.db)).toEqual(before);
    expect(await rowSecurity(fresh.db)).toEqual(rlsBefore);
  });

  it("changes nothing when its SQL runs again", async () => {
    const [switchOver] = readMigrations().filter((m) => m.tag === "0023_policies_in_schema");
    await fresh.db.transaction(async (tx) => {
      for (const statement of switchOver!.statements) await tx.execute(sql.raw(statement));
    });
    expect(await policies(fresh.db)).toEqual(before);
  });

  it("declares every policy of the catalog, and no other, with its command and roles", async () => {
    const exported = Object.values(schema as Record<string, unknown>);
    const roleName = (r: unknown) => (is(r, PgRole) ? r.name : String(r));
    const declared = exported
      .filter((x): x is PgTable => is(x, PgTable))
      .flatMap((t) => {
        const { name, policies } = getTableConfig(t);
        return policies.map((p) => ({
          tablename: name,
          policyname: p.name,
          permissive: (p.as ?? "permissive").toUpperCase(),
          roles: `{${[p.to ?? "public"].flat().map(roleName).sort().join(",")}}`,
          cmd: (p.for ?? "all").toUpperCase(),
        }));
      })
      .sort((a, b) => `${a.tablename}.${a.policyname}`.localeCompare(`${b.tablename}.${b.policyname}`));
    const catalog = before
      .map(({ tablename, policyname, permissive, roles, cmd }) => ({ tablename, policyname, permissive, roles, cmd }))
      .sort((a, b) => `${a.tablename}.${a.policyname}`.localeCompare(`${b.tablename}.${b.policyname}`));
    expect(declared).toEqual(catalog);
  });
});
